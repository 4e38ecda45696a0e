import InwardPOSIX
import InwardProtocol
public import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The Varlink server on the control socket: one thread, `poll(2)` over the
/// listening socket, an eventfd and every client.
///
/// Calls on a connection are answered strictly in order. Only one call per
/// connection is in flight: the next waits for the final reply of the current one
/// (a `more` call stays in flight until a reply without `continues`, or an error).
/// `oneway` calls are handed to the handler and their replies dropped; the next
/// call proceeds at once. `org.varlink.service` calls are answered here; every
/// other call goes to the handler, on the server thread.
///
/// Limits and errors (each affects only the client at fault):
/// - a message over `maxMessageBytes`: `io.inward.Session.MessageTooLarge`, then
///   the connection is closed once the reply is flushed (calls that arrived complete
///   before it are answered first);
/// - invalid JSON or an invalid call: `io.inward.Session.MalformedMessage(reason,
///   offset)`, then close. If a `more` call is streaming when it arrives, the stream
///   is cut and the error sent at once;
/// - a client beyond `maxClients`: accepted, sent `TooManyClients`, closed;
/// - more than `maxQueuedCallsPerClient` calls waiting behind a call in flight, or
///   more than `maxOutboundBytesPerClient` of replies it does not read (a stalled
///   `Monitor` reader): closed, with a log line.
/// A client that pipelines calls faster than it reads their replies is not closed:
/// the server stops reading from it while a quarter of the outbound limit is unsent.
///
/// Threads: `run()` blocks the calling thread. `shutdown()`, `clientCount` and the
/// responders are thread-safe. Set `serviceVersion` and `serviceURL` before `run()`.
/// The server owns its listening sockets and closes them when `run()` returns.
/// A read-only listener (the room's observer socket) marks its clients' calls
/// `VarlinkPeer.readOnly`; the handler decides what they may call.
public final class ControlServer: @unchecked Sendable {
    public struct Limits: Sendable, Equatable {
        /// Longest message accepted, in bytes before the NUL.
        public var maxMessageBytes = 65536
        /// Connections served at once; one more is told `TooManyClients` and closed.
        public var maxClients = 64
        /// Calls a client may have waiting behind its call in flight.
        public var maxQueuedCallsPerClient = 64
        /// Replies a client may leave unread before it is closed.
        public var maxOutboundBytesPerClient = 4 * 1024 * 1024

        public init() {}

        public init(maxMessageBytes: Int = 65536, maxClients: Int = 64, maxQueuedCallsPerClient: Int = 64,
                    maxOutboundBytesPerClient: Int = 4 * 1024 * 1024) {
            self.maxMessageBytes = maxMessageBytes
            self.maxClients = maxClients
            self.maxQueuedCallsPerClient = maxQueuedCallsPerClient
            self.maxOutboundBytesPerClient = maxOutboundBytesPerClient
        }
    }

    public let limits: Limits
    /// The `version` in `org.varlink.service.GetInfo`.
    public var serviceVersion = "0.1.0"
    /// The `url` in `org.varlink.service.GetInfo`.
    public var serviceURL = ""

    /// Connected clients (thread-safe; updated by the server thread).
    public var clientCount: Int { clientCounter.load(ordering: .relaxed) }

    /// Turns of the server loop so far (thread-safe). A supervisor that wants
    /// to know the loop is alive calls `poke()` and later sees this move.
    public var loopTurns: UInt64 { turns.load(ordering: .relaxed) }

    /// Wakes the loop for one turn (thread-safe); it serves nothing new.
    public func poke() { wakeup.signal() }

    /// A listening socket the server accepts clients on.
    public struct Listener: Sendable {
        public let fd: Int32
        /// Its clients may only read (the observer socket).
        public let readOnly: Bool
        public init(fd: Int32, readOnly: Bool = false) {
            self.fd = fd
            self.readOnly = readOnly
        }
    }

    private let listeners: [Listener]
    private let handler: any VarlinkHandler
    private let logger: Logger
    private let wakeup: Wakeup
    private let stopRequested = Atomic<Bool>(false)
    private let clientCounter = Atomic<Int>(0)
    private let turns = Atomic<UInt64>(0)
    /// Stop reading from a client while this much of its output is unsent.
    private let outboundHighWater: Int

    // Server-thread state.
    private var connections: [ConnectionID: ClientConnection] = [:]
    private var nextID: ConnectionID = 1
    private var pollFDs: [pollfd] = []
    private var polled: [ClientConnection] = []
    private var ready: [ConnectionOutbox] = []
    private let readBuffer: UnsafeMutableRawBufferPointer
    private var acceptPaused = false
    private var listenerClosed = false
    private var hasRun = false

    public convenience init(listenFD: Int32, handler: any VarlinkHandler, limits: Limits = .init(), logger: Logger) {
        self.init(listeners: [Listener(fd: listenFD)], handler: handler, limits: limits, logger: logger)
    }

    public init(listeners: [Listener], handler: any VarlinkHandler, limits: Limits = .init(), logger: Logger) {
        precondition(limits.maxMessageBytes > 0 && limits.maxClients > 0 && limits.maxQueuedCallsPerClient > 0
            && limits.maxOutboundBytesPerClient > 0, "ControlServer limits must be positive")
        precondition(!listeners.isEmpty, "ControlServer needs a listening socket")
        self.listeners = listeners
        self.handler = handler
        self.limits = limits
        self.logger = logger
        self.outboundHighWater = max(limits.maxOutboundBytesPerClient / 4, 1)
        do {
            self.wakeup = try Wakeup()
        } catch {
            fatalError("control server: \(error)")
        }
        self.readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        for listener in listeners {
            let flags = fcntl(listener.fd, F_GETFL)
            if flags >= 0 { _ = fcntl(listener.fd, F_SETFL, flags | O_NONBLOCK) }
        }
    }

    deinit {
        readBuffer.deallocate()
        if !listenerClosed { for listener in listeners { _ = Glibc.close(listener.fd) } }
    }

    /// Stops `run()` (thread-safe): the loop wakes, closes every client (the handler
    /// hears `connectionClosed` for each) and the listening socket, and returns.
    public func shutdown() {
        stopRequested.store(true, ordering: .releasing)
        wakeup.signal()
    }

    /// Serves clients on the calling thread until `shutdown()`.
    public func run() {
        precondition(!hasRun, "ControlServer.run() may be called once")
        hasRun = true
        wakeup.setServerThread(pthread_self())
        defer { wakeup.setServerThread(nil) }
        logger.debug("control server running", metadata: ["max_clients": "\(limits.maxClients)"])

        while !stopRequested.load(ordering: .acquiring) {
            turns.add(1, ordering: .relaxed)
            serviceReadyConnections()
            buildPollSet()
            let timeout: Int32 = acceptPaused ? 100 : -1
            do throws(SystemCallError) {
                try SystemCall.retrying("poll") { poll(&pollFDs, nfds_t(pollFDs.count), timeout) }
            } catch {
                logger.error("poll failed: \(error.reason)")
                usleep(10_000)
                continue
            }
            if pollFDs[0].revents != 0 { wakeup.drain() }
            if acceptPaused {
                acceptPaused = false
            } else {
                for (index, listener) in listeners.enumerated() where pollFDs[1 + index].revents & Int16(POLLIN) != 0 {
                    acceptClients(from: listener)
                }
            }
            let first = 1 + listeners.count
            for index in first..<pollFDs.count {
                let events = pollFDs[index].revents
                if events == 0 { continue }
                let connection = polled[index - first]
                if connection.isClosed { continue }
                handleEvents(events, on: connection)
            }
        }

        for connection in Array(connections.values) {
            _ = connection.flush()
            close(connection, "server shutting down", level: .debug)
        }
        for listener in listeners { _ = Glibc.close(listener.fd) }
        listenerClosed = true
        logger.debug("control server stopped")
    }

    // MARK: - Loop

    private func buildPollSet() {
        pollFDs.removeAll(keepingCapacity: true)
        polled.removeAll(keepingCapacity: true)
        pollFDs.append(pollfd(fd: wakeup.fd, events: Int16(POLLIN), revents: 0))
        for listener in listeners {
            pollFDs.append(pollfd(fd: listener.fd, events: acceptPaused ? 0 : Int16(POLLIN), revents: 0))
        }
        for connection in connections.values {
            // After serviceReadyConnections, the outbox is empty unless another thread
            // filled it since (then the eventfd wakes us): what is left is `sending`.
            let unsent = connection.sending.count - connection.sendOffset
            var events: Int16 = 0
            if !connection.inputClosed && unsent <= outboundHighWater { events |= Int16(POLLIN) }
            if unsent > 0 { events |= Int16(POLLOUT) }
            pollFDs.append(pollfd(fd: connection.fd, events: events, revents: 0))
            polled.append(connection)
        }
    }

    /// Connections with new output or a finished call, from any thread.
    private func serviceReadyConnections() {
        while true {
            wakeup.takeReady(into: &ready)
            if ready.isEmpty { return }
            for outbox in ready {
                if let connection = connections[outbox.id], connection.outbox === outbox {
                    service(connection)
                }
            }
        }
    }

    private func handleEvents(_ events: Int16, on connection: ClientConnection) {
        if events & Int16(POLLNVAL) != 0 {
            close(connection, "socket invalid", level: .error)
            return
        }
        let hungUp = events & (Int16(POLLHUP) | Int16(POLLERR)) != 0
        if hungUp {
            // Run what the client sent before it went (a oneway call then hang-up
            // is a fair use), then close: replies could not reach it anyway.
            while !connection.isClosed && !connection.inputClosed && read(from: connection) {}
            if !connection.isClosed { close(connection, "client hung up", level: .debug) }
            return
        }
        if events & Int16(POLLIN) != 0 {
            read(from: connection)
            if connection.isClosed { return }
        }
        service(connection)
    }

    // MARK: - Accepting

    private func acceptClients(from listener: Listener) {
        for _ in 0..<64 {
            // accept4 is not in Swift's Glibc module (it needs _GNU_SOURCE): accept, then fcntl.
            let accepted: Int32?
            do throws(SystemCallError) {
                accepted = try SystemCall.nonBlocking("accept") { accept(listener.fd, nil, nil) }
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO:
                    continue
                default:
                    logger.error("accept failed, pausing new connections: \(error.reason)")
                    acceptPaused = true
                    return
                }
            }
            guard let fd = accepted else { return }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, (flags < 0 ? 0 : flags) | O_NONBLOCK)
            if connections.count >= limits.maxClients {
                reject(fd)
                continue
            }
            let id = nextID
            nextID += 1
            let outbox = ConnectionOutbox(id: id, maxOutboundBytes: limits.maxOutboundBytesPerClient, wakeup: wakeup)
            let peer = VarlinkPeer.of(fd, connection: id, readOnly: listener.readOnly)
            connections[id] = ClientConnection(id: id, fd: fd, peer: peer, outbox: outbox, maxMessageBytes: limits.maxMessageBytes)
            clientCounter.store(connections.count, ordering: .relaxed)
            logger.debug("client connected", metadata: ["client": "\(id)", "clients": "\(connections.count)",
                                                       "uid": "\(peer.uid.map(String.init) ?? "-")", "read_only": "\(peer.readOnly)"])
        }
    }

    /// A client over `maxClients`: one error reply, then close.
    private func reject(_ fd: Int32) {
        let bytes = InwardSessionInterface.Errors.tooManyClients(maxClients: limits.maxClients).serialized()
        _ = try? SystemCall.retrying("send") {
            bytes.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress!, buffer.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
        }
        discardInput(fd)
        _ = Glibc.close(fd)
        logger.warning("client refused: too many clients", metadata: ["max_clients": "\(limits.maxClients)"])
    }

    // MARK: - Reading

    /// One read into the framer, then runs the calls it completed. True when bytes came.
    @discardableResult
    private func read(from connection: ClientConnection) -> Bool {
        let received: Int?
        do throws(SystemCallError) {
            received = try SystemCall.nonBlocking("recv") { recv(connection.fd, readBuffer.baseAddress!, readBuffer.count, 0) }
        } catch {
            close(connection, "read failed: \(error.reason)", level: .debug)
            return false
        }
        guard let n = received else { return false }
        if n == 0 {
            // EOF: the client shut down its side; answer what it sent, then close.
            connection.inputClosed = true
            connection.peerFinished = true
            return false
        }
        connection.framer.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
        takeMessages(from: connection)
        return true
    }

    /// Moves complete messages from the framer to the queue and runs them, unless
    /// the client's unsent output is over the high-water mark: then they wait in the
    /// framer and this returns true (call again once output has been written).
    @discardableResult
    private func takeMessages(from connection: ClientConnection) -> Bool {
        while !connection.isClosed && !connection.inputClosed {
            // Nothing buffered (an overflowed framer is not at a boundary: it throws).
            if connection.framer.bufferedByteCount == 0 && connection.framer.isAtMessageBoundary { return false }
            if connection.unsentBytes > outboundHighWater { return true }
            let message: [UInt8]
            do {
                guard let next = try connection.framer.next() else { return false }
                message = next
            } catch {
                queueFatal(error.reply, reason: error.description, on: connection)
                return false
            }
            do {
                connection.enqueue(.call(try VarlinkCall.parse(message)))
            } catch {
                queueFatal(error.reply, reason: error.description, on: connection)
                return false
            }
            if connection.queuedCount > limits.maxQueuedCallsPerClient {
                close(connection, "too many calls queued (more than \(limits.maxQueuedCallsPerClient)) behind a call in flight",
                      level: .warning)
                return false
            }
            advance(connection)
        }
        return false
    }

    /// A malformed or oversized message: stop reading; answer with `reply` after the
    /// calls before it (at once if a stream is in flight, which is cut), then close.
    private func queueFatal(_ reply: VarlinkReply, reason: String, on connection: ClientConnection) {
        connection.inputClosed = true
        connection.framer = VarlinkFramer(maxMessageSize: 1)
        if connection.inFlight && connection.inFlightMore {
            connection.outbox.state.withLock { $0.currentCallDone = true }
            connection.inFlight = false
            connection.inFlightMore = false
            connection.clearQueue()
        }
        connection.enqueue(.fatal(reply, reason))
        advance(connection)
    }

    // MARK: - Calls

    /// Protocol errors logged in the current 10 s window, and the window's start.
    private var protocolErrorWindow = (start: 0.0, count: 0, suppressed: 0)

    /// Logs a client's protocol error, at most 20 per 10 s: a flood of bad
    /// clients must not flood the journal, nor block this thread on a slow
    /// log stream.
    private func noteProtocolError(_ reason: String, client: ConnectionID) {
        let t = MonotonicClock.seconds
        if t - protocolErrorWindow.start >= 10 {
            if protocolErrorWindow.suppressed > 0 {
                logger.notice("\(protocolErrorWindow.suppressed) more clients closed after protocol errors in the last 10 s")
            }
            protocolErrorWindow = (t, 0, 0)
        }
        if protocolErrorWindow.count < 20 {
            protocolErrorWindow.count += 1
            logger.notice("closing client after a protocol error: \(reason)", metadata: ["client": "\(client)"])
        } else {
            protocolErrorWindow.suppressed += 1
        }
    }

    /// Runs queued calls until one stays in flight.
    private func advance(_ connection: ClientConnection) {
        while !connection.inFlight && !connection.isClosed && !connection.closeWhenFlushed,
              let next = connection.dequeue() {
            switch next {
            case .call(let call):
                dispatch(call, on: connection)
            case .fatal(let reply, let reason):
                noteProtocolError(reason, client: connection.id)
                connection.outbox.deliver(reply.serialized(), call: nil, final: false, enforceLimit: false)
                connection.closeWhenFlushed = true
                connection.clearQueue()
            }
        }
    }

    private func dispatch(_ call: VarlinkCall, on connection: ClientConnection) {
        if call.interface == VarlinkService.name {
            let reply = VarlinkService.handle(call, version: serviceVersion, url: serviceURL)
                ?? VarlinkService.Errors.methodNotFound(call.method)
            if !call.oneway {
                connection.outbox.deliver(reply.serialized(), call: nil, final: false, enforceLimit: false)
            }
            return
        }
        if call.oneway {
            handler.handle(call, from: connection.peer, responder: CallResponder(outbox: connection.outbox, call: nil, more: false))
            return
        }
        connection.callSerial += 1
        let serial = connection.callSerial
        connection.outbox.state.withLock { s in
            s.currentCall = serial
            s.currentCallDone = false
        }
        connection.inFlight = true
        connection.inFlightMore = call.more
        handler.handle(call, from: connection.peer,
                       responder: CallResponder(outbox: connection.outbox, call: serial, more: call.more))
        if connection.isClosed { return }
        if connection.outbox.state.withLock({ $0.currentCallDone }) {
            connection.inFlight = false
            connection.inFlightMore = false
        }
    }

    // MARK: - Writing and closing

    /// Picks up a finished call and new output, runs what is queued, writes, and
    /// closes the connection when it is done.
    private func service(_ connection: ClientConnection) {
        guard !connection.isClosed else { return }
        let (callDone, overflowed) = connection.outbox.state.withLock { s in
            s.markedReady = false
            return (s.currentCallDone, s.overflowed)
        }
        if overflowed {
            close(connection, "client is not reading its replies (more than \(limits.maxOutboundBytesPerClient) bytes unsent)",
                  level: .warning)
            return
        }
        if connection.inFlight && callDone {
            connection.inFlight = false
            connection.inFlightMore = false
        }
        advance(connection)
        // Run what the framer holds, writing in between whenever output passes the
        // high-water mark, until the socket is full or the framer is empty.
        while true {
            let backPressured = takeMessages(from: connection)
            if connection.isClosed { return }
            let result = connection.flush()
            if case .failed(let code) = result {
                close(connection, "write failed: \(String(cString: strerror(code)))", level: .debug)
                return
            }
            guard backPressured, case .done = result else { break }
        }
        if connection.closeWhenFlushed {
            if connection.unsentBytes == 0 { close(connection, "protocol error reply sent", level: .debug) }
        } else if connection.peerFinished && connection.isIdle {
            close(connection, "client finished", level: .debug)
        }
    }

    private func close(_ connection: ClientConnection, _ reason: String, level: Logger.Level) {
        guard !connection.isClosed else { return }
        connection.isClosed = true
        connection.outbox.state.withLock { s in
            s.open = false
            s.bytes = []
            s.currentCallDone = true
        }
        connections[connection.id] = nil
        clientCounter.store(connections.count, ordering: .relaxed)
        discardInput(connection.fd)
        _ = Glibc.close(connection.fd)
        connection.sending = []
        connection.clearQueue()
        logger.log(level: level, "client disconnected: \(reason)", metadata: ["client": "\(connection.id)"])
        handler.connectionClosed(connection.id)
    }

    /// Reads and drops what the client sent and we did not read, so closing does not
    /// turn into ECONNRESET for the client before it has read our last reply.
    private func discardInput(_ fd: Int32) {
        for _ in 0..<16 {
            let n = try? SystemCall.retrying("recv") { recv(fd, readBuffer.baseAddress!, readBuffer.count, Int32(MSG_DONTWAIT)) }
            guard let n, n > 0 else { return }
        }
    }
}
