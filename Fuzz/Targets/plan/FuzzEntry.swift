import InwardFuzzChecks

/// libFuzzer's entry point for the plan target: a broken property is a crash, so
/// libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try FuzzTarget.plan.check(input)
    } catch {
        fatalError("\(FuzzTarget.plan.rawValue): \(error)")
    }
    return 0
}
