/// Everything that can be wrong with bytes received on a Varlink connection.
///
/// `messageTooLarge`, `invalidJSON` and `invalidMessage` mean the peer is broken: the
/// server answers with `reply` and closes the connection. `invalidParameter` is an
/// ordinary call error: answer with `reply` and carry on.
public enum VarlinkProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A message (bytes before its NUL) exceeded the framer's limit.
    case messageTooLarge(limit: Int)
    /// The message is not valid JSON: `offset` is the byte offset in the message.
    case invalidJSON(offset: Int, message: String)
    /// Valid JSON, but not a valid Varlink call or reply (`message` says what is wrong).
    case invalidMessage(String)
    /// A call parameter is missing, of the wrong type or out of range.
    case invalidParameter(parameter: String, reason: String)

    public var description: String {
        switch self {
        case .messageTooLarge(let limit):
            "message too large: longer than \(limit) bytes"
        case .invalidJSON(let offset, let message):
            "invalid JSON at byte \(offset): \(message)"
        case .invalidMessage(let message):
            "invalid Varlink message: \(message)"
        case .invalidParameter(let parameter, let reason):
            "invalid parameter '\(parameter)': \(reason)"
        }
    }

    /// The Varlink error reply for this error.
    ///
    /// - `invalidParameter` -> `org.varlink.service.InvalidParameter(parameter)`. The
    ///   standard error has only `parameter`; the reason goes in an extra `reason` field
    ///   (Varlink clients ignore unknown reply fields).
    /// - `messageTooLarge` -> `io.inward.Session.MessageTooLarge(max_bytes)`.
    /// - `invalidJSON`, `invalidMessage` -> `io.inward.Session.MalformedMessage(reason, offset)`.
    public var reply: VarlinkReply {
        switch self {
        case .invalidParameter(let parameter, let reason):
            VarlinkService.Errors.invalidParameter(parameter, reason: reason)
        case .messageTooLarge(let limit):
            InwardSessionInterface.Errors.messageTooLarge(maxBytes: limit)
        case .invalidJSON(let offset, let message):
            InwardSessionInterface.Errors.malformedMessage(reason: "invalid JSON: \(message)", offset: offset)
        case .invalidMessage(let message):
            InwardSessionInterface.Errors.malformedMessage(reason: message, offset: nil)
        }
    }
}
