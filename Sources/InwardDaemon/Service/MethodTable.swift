import InwardProtocol

/// Who made a call: the connection's peer (kernel credentials, which
/// socket) and where to reply.
struct Caller: Sendable {
    let peer: VarlinkPeer
    let responder: any VarlinkResponder

    var connection: ConnectionID { peer.connection }
    /// The staff member's login name, recorded with what they do (`user`).
    var user: String? { peer.userName }
    /// What the socket they came in on lets them call.
    var access: SessionMethod.Access { peer.readOnly ? .observe : .control }

    func may(_ access: SessionMethod.Access) -> Bool { self.access == .control || access == .observe }
}

/// The `io.inward.Session` methods the service serves: one row per
/// `SessionMethod`, saying who may call it, which handler runs it, and (by
/// what the handler returns) when its reply goes out. The parameters each
/// method takes come from the IDL (`SessionMethod.parameters`); a call with
/// any other is refused before its handler runs.
struct MethodTable: Sendable {
    /// When a handler's reply is sent.
    enum Response {
        /// At once (reads and refusals).
        case now(VarlinkReply)
        /// Once the event behind `ticket` (and any state saved since) is on
        /// disk; if the event cannot be made durable, `LogWriteFailed` instead.
        case whenDurable(VarlinkReply, EventTicket)
        /// The handler keeps the responder and replies as news comes (Monitor).
        case streaming
    }

    typealias Handler = @Sendable (SessionService, VarlinkCall, Caller) throws -> Response

    struct Row: Sendable {
        let method: SessionMethod
        /// Who may call it: observers may call `.observe` methods, staff every method.
        let access: SessionMethod.Access
        let run: Handler
    }

    let rows: [SessionMethod: Row]

    init() {
        var rows: [SessionMethod: Row] = [:]
        for method in SessionMethod.allCases {
            rows[method] = Row(method: method, access: method.access, run: Self.handler(method))
        }
        self.rows = rows
    }

    /// Checks the call's parameters against the IDL and runs its handler.
    func run(_ method: SessionMethod, _ call: VarlinkCall, _ caller: Caller, on service: SessionService) throws -> Response {
        guard let row = rows[method] else {
            return .now(VarlinkService.Errors.methodNotImplemented(call.method))
        }
        guard caller.may(row.access) else {
            return .now(VarlinkService.Errors.permissionDenied())
        }
        try call.checkParameters(allowed: method.parameters)
        return try row.run(service, call, caller)
    }

    /// Each method's handler; the switch is exhaustive, so a method added to
    /// `SessionMethod` (and the IDL) does not build until it has one.
    private static func handler(_ method: SessionMethod) -> Handler {
        switch method {
        case .start:
            return { s, c, caller in
                try s.start(plan: try c.string("plan"), client: try c.optionalString("client"),
                            playlists: try c.optionalObject("playlists"), user: caller.user, callerUID: caller.peer.uid)
            }
        case .dose:
            return { s, c, caller in
                try s.dose(route: try c.optionalString("route"), amount: try c.optionalString("amount"),
                           lot: try c.optionalString("lot"), booster: try c.optionalBool("booster") ?? false,
                           devices: try c.optionalInt("devices"), otherRoute: try c.optionalBool("other_route") ?? false,
                           user: caller.user)
            }
        case .status:
            return { s, _, _ in .now(VarlinkReply(["status": .object(s.status().json)])) }
        case .monitor:
            return { s, c, caller in
                guard c.more else { return .now(VarlinkService.Errors.expectedMore()) }
                s.events.addMonitor(caller.connection, caller.responder,
                                    first: VarlinkReply(["status": .object(s.status().json)], continues: true))
                return .streaming
            }
        case .pause:
            return { s, c, caller in try s.pause(by: try c.optionalString("by"), user: caller.user) }
        case .resume:
            return { s, c, caller in try s.resume(by: try c.optionalString("by"), user: caller.user) }
        case .silence:
            return { s, c, caller in try s.silence(by: try c.optionalString("by"), user: caller.user) }
        case .hold:
            return { s, c, caller in try s.hold(seconds: try c.double("seconds"), by: try c.optionalString("by"), user: caller.user) }
        case .next:
            return { s, c, caller in try s.next(by: try c.optionalString("by"), user: caller.user) }
        case .skip:
            return { s, c, caller in try s.skip(by: try c.optionalString("by"), user: caller.user) }
        case .setVolume:
            return { s, c, caller in try s.setVolume(db: try c.double("db"), by: try c.optionalString("by"), user: caller.user) }
        case .setOutput:
            return { s, c, caller in
                try s.setOutput(name: try c.string("output"), db: try c.optionalDouble("db"), on: try c.optionalBool("on"),
                                by: try c.optionalString("by"), user: caller.user)
            }
        case .mark:
            return { s, c, caller in
                try s.mark(kind: try c.string("kind"), text: try c.optionalString("text"), fields: try c.optionalObject("fields"),
                           user: caller.user)
            }
        case .stop:
            return { s, c, caller in try s.stop(by: try c.optionalString("by"), user: caller.user) }
        case .discharge:
            return { s, c, caller in
                try s.discharge(note: try c.optionalString("note"), early: try c.optionalBool("early") ?? false,
                                reason: try c.optionalString("reason"), user: caller.user)
            }
        case .calm:
            return { s, c, caller in try s.calm(by: try c.optionalString("by"), user: caller.user) }
        case .intensity, .brightness:
            return { s, c, caller in
                try s.soundscape(method == .intensity ? "intensity" : "brightness", value: try c.double("value"),
                                 relative: try c.optionalBool("relative") ?? false, over: try c.optionalDouble("over_seconds"),
                                 by: try c.optionalString("by"), user: caller.user)
            }
        case .listPlans:
            return { s, _, _ in
                let plans = PlanCatalog(directories: s.configuration.daemon.plansDirectories).list()
                return .now(VarlinkReply(["plans": .array(plans.map { .object($0) })]))
            }
        }
    }
}
