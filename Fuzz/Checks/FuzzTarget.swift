/// The parsers under fuzzing, one per libFuzzer binary (`scripts/fuzz TARGET SECONDS`).
///
/// Each target's `check` runs one input through a parser and checks the properties
/// that parser promises, beyond not crashing; docs/fuzzing.md lists them. The fuzz
/// binaries (Fuzz/Package.swift) and the replay tests (InwardFuzzChecksTests) call
/// the same `check`, so a finding replays in the normal test build.
///
/// Threading: pure functions of the input; safe from any thread.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case json
    case varlinkFramer = "varlink-framer"
    case varlinkCall = "varlink-call"
    case plan
    case playlist
    case log

    /// Runs `input` through the target's parser; throws the first property it breaks.
    public func check(_ input: [UInt8]) throws(PropertyViolation) {
        switch self {
        case .json: try JSONProperties.check(input)
        case .varlinkFramer: try VarlinkFramerProperties.check(input)
        case .varlinkCall: try VarlinkCallProperties.check(input)
        case .plan: try PlanProperties.check(input)
        case .playlist: try PlaylistProperties.check(input)
        case .log: try LogProperties.check(input)
        }
    }
}
