import InwardFuzzChecks

/// libFuzzer's entry point for the playlist target: a broken property is a crash, so
/// libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try FuzzTarget.playlist.check(input)
    } catch {
        fatalError("\(FuzzTarget.playlist.rawValue): \(error)")
    }
    return 0
}
