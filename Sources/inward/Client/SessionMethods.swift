import InwardProtocol

/// The parameters every control sends.
enum SessionAPI {
    /// Who asked, recorded with the event in the session log.
    static let by: JSONValue = "therapist"
}

extension VarlinkConnection {
    /// Calls one of `io.inward.Session`'s methods and returns its reply's parameters.
    func call(_ method: SessionMethod, _ parameters: JSONObject = [:]) throws(ClientError) -> JSONObject {
        try call(method.qualifiedName, parameters)
    }
}
