#if canImport(Glibc)
import Foundation
import Glibc
#endif
import ArgumentParser
import InwardCore
import InwardProtocol

/// Exit codes of the daemon-facing commands.
enum ExitStatus {
    /// The daemon said no (a Varlink error), or talking to it failed midway.
    static let service: Int32 = 1
    /// The command line was wrong.
    static let usage: Int32 = 2
    /// No daemon to talk to.
    static let noDaemon: Int32 = 3
}

/// Short, actionable messages for what went wrong, and the exit code.
enum ErrorReport {
    /// `location`: the socket the command was connected to, when it was (a
    /// refusal on the observer socket says so).
    static func describe(_ error: ClientError, on location: SocketLocation? = nil) -> (message: String, exit: Int32) {
        switch error {
        case .noDaemon(let loc):
            var m = "no daemon is listening on \(loc.path)"
            if !loc.alsoLooked.isEmpty { m += " (nor on \(loc.alsoLooked.joined(separator: ", ")))" }
            if let room = loc.room {
                m += ". Start room \(room)'s daemon with `systemctl start inwardd@\(room).socket` "
                    + "(or check `systemctl status inwardd@\(room)`), or name another room with --room."
            } else {
                m += ". Check the room's daemon with `systemctl status inwardd@ROOM` (start it with "
                    + "`systemctl start inwardd@ROOM.socket`), name the room with --room (or INWARD_ROOM), "
                    + "or point --socket at the right one."
            }
            return (m, ExitStatus.noDaemon)
        case .permissionDenied(let loc):
            var m = "permission denied on \(loc.path): the socket is for the clinic's staff group (`inward`). "
                + "Ask the administrator to add you (`usermod -aG inward \(currentUser())`), then log in again."
            if let room = loc.room {
                m += " To watch only, the group `inward-observe` may use room \(room)'s observer socket "
                    + "\(SocketLocation.observePath(room)) (`inward --room \(room) status`)."
            }
            return (m, ExitStatus.noDaemon)
        case .io(let loc, let op, let e):
            return ("cannot talk to the daemon on \(loc.path): \(op) failed: \(String(cString: strerror(e))). "
                + "Check `systemctl status \(loc.unit)`.",
                // Failing to reach it is "no daemon"; failing midway is a service failure, as the codes say.
                op.hasPrefix("socket") || op.hasPrefix("connect") ? ExitStatus.noDaemon : ExitStatus.service)
        case .timeout(let loc, let seconds):
            return ("the daemon on \(loc.path) did not answer within \(format(seconds)) s. "
                + "Check `systemctl status \(loc.unit)` and `journalctl -u \(loc.unit)`.", ExitStatus.service)
        case .closed(let loc):
            return ("the daemon on \(loc.path) closed the connection without answering. "
                + "Check `systemctl status \(loc.unit)` and `journalctl -u \(loc.unit)`.", ExitStatus.service)
        case .badReply(let why):
            return ("the daemon sent a reply inward cannot read (\(why)); are inward and inwardd the same version?",
                ExitStatus.service)
        case .varlink(let name, let p):
            if name == "org.varlink.service.PermissionDenied", let location, location.observer, let room = location.room {
                return ("the daemon refused: permission denied. You are connected to room \(room)'s observer socket "
                    + "(read-only: status and status --follow); controls need the clinic's staff group (`inward`), "
                    + "ask the administrator", ExitStatus.service)
            }
            return (varlinkMessage(name, p), ExitStatus.service)
        }
    }

    static func varlinkMessage(_ name: String, _ p: JSONObject) -> String {
        func s(_ key: String) -> String? { p[key]?.stringValue }
        func d(_ key: String) -> Double? { p[key]?.doubleValue }
        let short = name.hasPrefix("io.inward.Session.") ? String(name.dropFirst("io.inward.Session.".count)) : name
        switch short {
        case "NoSession":
            return "no session is running; start one with `inward start PLAN`"
        case "SessionActive":
            if s("state") == "aftercare" {
                return "session \(s("session_id") ?? "?") is in aftercare (its record is open); "
                    + "close it with `inward discharge` before starting another"
            }
            return "session \(s("session_id") ?? "?") is already running; end it with `inward stop` first"
        case "DoseAlreadyMarked":
            let since = d("t0_seconds").map { " (\(SessionClock.counter($0)) ago; it is now \(SessionClock.t($0)))" } ?? ""
            return "a dose is already marked at \(localTime(s("time")))\(since); this one was not recorded. "
                + "If it is a booster, say so: `inward dose --booster ...`"
        case "RouteMismatch":
            return "the plan's route is \(s("plan_route") ?? "?"), not \(s("route") ?? "?"); "
                + "to record a dose given another way, add --other-route"
        case "InAftercare":
            return "the music has ended (aftercare): marks, vitals, boosters and `inward discharge` remain"
        case "MusicPlaying":
            return "the music is still playing (\(s("state").map(stateText) ?? "playing")); stop it with `inward stop`, then discharge"
        case "DischargeTooEarly":
            let now = d("t0_seconds") ?? 0, allowed = d("allowed_at_t0_seconds") ?? 0
            return "too early to discharge: the plan asks for aftercare until \(SessionClock.t(allowed)) after the dose, "
                + "and it is \(SessionClock.t(now)) (\(SessionClock.counter(Swift.max(0, allowed - now))) to go). "
                + "To discharge now anyway: `inward discharge --early --reason TEXT`"
        case "NoSuchMark":
            return "#\(p["seq"]?.int64Value.map(String.init) ?? "?") is not a mark or dose of this session; "
                + "`inward review SESSION` shows each entry's number"
        case "PlanInvalid":
            var loc = s("file") ?? "plan"
            if let line = p["line"]?.int64Value { loc += ":\(line)" }
            var m = "\(loc): \(s("message") ?? "the plan is not valid")"
            if let key = s("key") { m += " (\(key))" }
            return m + "; check it with `inward check \(s("file") ?? "PLAN")`"
        case "PlanNotFound":
            let near = s("nearest").map { "; did you mean '\($0)'?" } ?? ""
            return "no plan '\(s("plan") ?? "?")' in the daemon's plan folders, and no such file\(near) (`inward plans` lists them)"
        case "DeviceUnavailable":
            return "the sound device '\(s("device") ?? "?")' is unavailable: \(s("reason") ?? "unknown reason"); "
                + "`inward devices` lists the devices (the daemon plays to its --device)"
        case "InvalidParameter", "org.varlink.service.InvalidParameter":
            let which = s("parameter") ?? "?"
            if let reason = s("reason") { return "invalid \(which): \(reason)" }
            return "invalid parameter '\(which)' (inward and inwardd may be different versions)"
        case "HoldLimit":
            let held = d("held_seconds") ?? 0, max = d("max_seconds") ?? 0
            if max <= 0 { return "this phase cannot be held: the plan allows no extension" }
            return "cannot hold that long: this phase may be extended by at most \(SessionClock.counter(max)) in total, "
                + "and \(SessionClock.counter(held)) is already held (\(SessionClock.counter(Swift.max(0, max - held))) left)"
        case "NotWaitingForDose":
            return "not now: the session is \(s("state").map(stateText) ?? "stopping")"
        case "WaitingForDose":
            return "the session is waiting for the dose: mark it with `inward dose` (the next phases are timed from it)"
        case "NoNextPhase":
            return "this is the last phase; end the session with `inward stop`"
        case "NothingToSkip":
            return "nothing to skip: this phase plays a soundscape or silence, not a playlist"
        case "LogWriteFailed":
            return "not done: the session log \(s("path") ?? "") cannot be written (\(s("reason") ?? "?")); "
                + "check the disk and the daemon's journal (`journalctl -u 'inwardd@*'`)"
        case "TooManyClients":
            return "the daemon already serves its maximum of \(p["max_clients"]?.int64Value.map(String.init) ?? "?") clients; try again in a moment"
        case "MessageTooLarge":
            return "the request is too large for the daemon (at most \(p["max_bytes"]?.int64Value.map(String.init) ?? "?") bytes); shorten the text"
        case "MalformedMessage":
            return "the daemon rejected the request as malformed: \(s("reason") ?? "?") (a bug; please report it)"
        case "org.varlink.service.PermissionDenied":
            return "the daemon refused: permission denied. The socket is for the clinic's staff group (`inward`); ask the administrator"
        case "org.varlink.service.MethodNotFound", "org.varlink.service.MethodNotImplemented",
             "org.varlink.service.InterfaceNotFound":
            let what = s("method") ?? s("interface") ?? "?"
            return "the daemon does not offer \(what) (\(short.split(separator: ".").last ?? "")); are inward and inwardd the same version?"
        default:
            let extra = p.isEmpty ? "" : " " + JSONValue.object(p).jsonString
            return "the daemon answered \(name)\(extra)"
        }
    }

    static func stateText(_ state: String) -> String { state.replacingOccurrences(of: "_", with: " ") }

    /// An RFC 3339 UTC time as the local wall clock, HH:MM:SS (the text as it came when it does not read).
    static func localTime(_ rfc3339: String?) -> String {
        guard let text = rfc3339, let date = ISO8601DateFormatter.withFractions.date(from: text) else { return rfc3339 ?? "?" }
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }

    private static func currentUser() -> String {
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "$USER"
    }
}

/// Parses a value given on the command line, or fails with a usage error (exit 2).
func usage(_ message: String) -> ExitCode {
    Terminal.errLine("inward: " + message)
    return ExitCode(ExitStatus.usage)
}

extension ISO8601DateFormatter {
    /// RFC 3339 with milliseconds, as the session log writes times.
    nonisolated(unsafe) static let withFractions: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
