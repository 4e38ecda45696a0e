import InwardFuzzChecks

/// libFuzzer's entry point for the varlink-call target: a broken property is a crash, so
/// libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try FuzzTarget.varlinkCall.check(input)
    } catch {
        fatalError("\(FuzzTarget.varlinkCall.rawValue): \(error)")
    }
    return 0
}
