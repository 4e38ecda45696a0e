/// A property a parser promised and an input broke: which property, and what was seen.
///
/// A fuzz target turns it into a crash (so libFuzzer keeps the input); the replay
/// tests record it as a test failure naming the corpus file.
public struct PropertyViolation: Error, Sendable, CustomStringConvertible {
    /// The property, in a few words (`serialize-parse round trip`).
    public var property: String
    /// What the check saw instead.
    public var detail: String

    public init(_ property: String, _ detail: String) {
        self.property = property
        self.detail = detail
    }

    public var description: String { "property '\(property)' broken: \(detail)" }
}

/// Throws a violation of `property` unless `condition` holds.
@inline(__always)
func require(_ condition: Bool, _ property: String, _ detail: @autoclosure () -> String) throws(PropertyViolation) {
    if !condition { throw PropertyViolation(property, detail()) }
}
