import Testing
@testable import InwardCore

/// A plan of one silent ten-minute phase at -12 dB, with `tables` (TOML:
/// top-level keys, then tables) before the phase: how the tests of one plan
/// table read it alone.
enum OnePhasePlan {
    static func parse(_ tables: String) throws(PlanInvalid) -> Plan {
        let text = """
            name = "p"
            route = "iv"
            \(tables)
            [[phase]]
            name = "a"
            duration = "10m"
            level_db = -12
            source = { kind = "silence" }
            """
        return try PlanParser.parse(text, file: "p.toml", folder: "/plans", fileExists: { _ in true }).plan
    }

    /// The errors refusing the plan, each as "key: message"; records an issue if it is accepted.
    static func errors(_ tables: String) -> [String] {
        do {
            _ = try parse(tables)
            Issue.record("expected the plan to be refused")
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }.map { "\($0.key ?? ""): \($0.message)" }
        }
    }
}
