import ArgumentParser
import Foundation
import InwardCore
import InwardProtocol

/// `inward dose`: mark the dose (first: T0) or a booster (Dose).
struct DoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dose",
        abstract: "Mark the dose: the first sets T0; a later one must say --booster.",
        discussion: """
            Post-dose phases are timed from T0; boosters are logged and do not move it. A second dose without \
            --booster is refused (so a repeated command never records a phantom booster). For intranasal devices, \
            --devices N records them with the plan's amount per device. A route other than the plan's is recorded \
            only with --other-route.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("How it was given: im, iv, sublingual, intranasal, other.", valueName: "route"),
            completion: .list(["im", "iv", "sublingual", "intranasal", "other"]))
    var route: String?

    @Option(name: .long, help: ArgumentHelp("The amount as you write it, e.g. \"0.5 mg/kg\".", valueName: "amount"))
    var amount: String?

    @Option(name: .long, help: ArgumentHelp("The medicine's lot number.", valueName: "lot"))
    var lot: String?

    @Flag(name: .long, help: "This dose is a booster after T0.")
    var booster = false

    @Option(name: .long, help: ArgumentHelp("Intranasal devices given (the plan's amount per device each).", valueName: "n"))
    var devices: Int?

    @Flag(name: .customLong("other-route"), help: "Record a route other than the plan's.")
    var otherRoute = false

    func run() throws {
        try withDaemon(global) { daemon in
            var params = JSONObject()
            if let route { params["route"] = .string(route) }
            if let amount { params["amount"] = .string(amount) }
            if let lot { params["lot"] = .string(lot) }
            if booster { params["booster"] = true }
            if let devices { params["devices"] = .integer(Int64(devices)) }
            if otherRoute { params["other_route"] = true }
            let reply = try daemon.call(SessionMethod.dose, params)
            if global.json { return Output.json(reply) }
            let status = StatusView(reply["status"]?.objectValue ?? [:])
            // The dose's number in the log, which `inward mark correction --of` takes.
            let seq = reply["status"]?.objectValue?["last_seq"]?.int64Value.map { " (#\($0) in the log)" } ?? ""
            if reply["booster"]?.boolValue == true {
                Output.line("booster logged at \(SessionClock.t(status.t0Seconds ?? 0))\(seq) (\(status.boosters) so far)")
            } else {
                Output.line("T0 marked at \(Self.wallClock())\(seq); now in phase \(status.phaseText)")
            }
        }
    }

    /// The local wall-clock time, HH:MM:SS.
    static func wallClock() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
