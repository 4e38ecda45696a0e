/// One problem found in a plan or playlist, with where it is and what to do.
///
/// Rendered as `file:line: error: key: message`, the shape compilers use, so
/// editors and terminals can jump to it.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Equatable {
        case error
        case warning
    }

    public var severity: Severity
    /// The file the problem is in, as the user named it.
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// The key path, e.g. `phase[2].level_db`, when the problem is a key.
    public var key: String?
    /// What is wrong and, where it helps, what to do about it.
    public var message: String

    public init(_ severity: Severity, file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": \(severity.rawValue): "
        if let key { s += "\(key): " }
        return s + message
    }
}

/// A plan (or playlist) that cannot be used, with every problem found in it.
public struct PlanInvalid: Error, Sendable, Equatable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
