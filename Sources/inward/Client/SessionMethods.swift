import InwardProtocol

/// `io.inward.Session` method names and the parameters every control sends.
enum SessionAPI {
    static func method(_ name: String) -> String { InwardSessionInterface.name + "." + name }
    /// Who asked, recorded with the event in the session log.
    static let by: JSONValue = "therapist"
}
