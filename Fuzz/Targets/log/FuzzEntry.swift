import InwardFuzzChecks

/// libFuzzer's entry point for the log target: a broken property is a crash, so
/// libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try FuzzTarget.log.check(input)
    } catch {
        fatalError("\(FuzzTarget.log.rawValue): \(error)")
    }
    return 0
}
