public import InwardProtocol

/// Identifies one client connection for the lifetime of the server.
public typealias ConnectionID = Int

/// Sends replies to one call. Thread-safe: a streaming call (`more`) keeps it
/// and replies from whatever thread has news; the server writes the bytes on
/// its own thread, in order.
public protocol VarlinkResponder: Sendable {
    /// Sends a reply. With `continues: true` the call stays open for more;
    /// the reply without it (or an error) ends the call.
    func send(_ reply: VarlinkReply)
    /// False once the client has gone; a streaming call should stop.
    var isOpen: Bool { get }
}

/// The service behind the control socket.
public protocol VarlinkHandler: AnyObject, Sendable {
    /// Handles one call. Called on the server thread, one call per connection
    /// at a time (pipelined calls wait their turn). `org.varlink.service` calls
    /// never reach the handler: the server answers them. Must not block for long:
    /// answer now, or keep `responder` and answer later. A `oneway` call's
    /// replies are dropped by the server.
    func handle(_ call: VarlinkCall, from peer: VarlinkPeer, responder: any VarlinkResponder)

    /// The client has gone; drop anything kept for it.
    ///
    /// `ControlServer` calls this exactly once for every connection it served
    /// (whoever closed it: the client, a protocol error or limit, or shutdown),
    /// on the server thread, after the connection's responders report
    /// `isOpen == false`. Clients refused with `TooManyClients` never had an id.
    func connectionClosed(_ connection: ConnectionID)
}
