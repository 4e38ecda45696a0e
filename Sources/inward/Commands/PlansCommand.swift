import ArgumentParser
import InwardCore
import InwardProtocol

/// `inward plans`: the plans the daemon can play (ListPlans).
struct PlansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans",
        abstract: "List the plans in the daemon's plan folders (name, file, route, length)."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try withDaemon(global) { daemon in
            let reply = try daemon.call(SessionMethod.listPlans)
            if global.json { return Output.json(reply) }
            let plans = reply["plans"]?.arrayValue?.compactMap(\.objectValue) ?? []
            if plans.isEmpty {
                Output.line("no plans in the daemon's plan folders (inwardd --plans DIR); `inward start FILE` plays a plan file")
                return
            }
            let rows: [[String]] = plans.map { p in
                let length = p["planned_seconds"]?.doubleValue.map { SessionClock.counter($0) } ?? "-"
                return [p["name"]?.stringValue ?? "?", p["route"]?.stringValue ?? "?", length, p["file"]?.stringValue ?? ""]
            }
            let header = ["NAME", "ROUTE", "LENGTH", "FILE"]
            let widths = (0..<3).map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
            func row(_ r: [String]) -> String {
                (0..<3).map { r[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                    + "  " + r[3]
            }
            Output.line(row(header))
            for (p, r) in zip(plans, rows) {
                Output.line(row(r))
                if p["valid"]?.boolValue == false {
                    Output.line("    invalid: \(p["problem"]?.stringValue ?? "does not pass validation")")
                }
            }
        }
    }
}
