/// A plan that parsed and validated, with the warnings found on the way
/// (things that work but are probably not what the author meant).
public struct ParsedPlan: Sendable {
    public var plan: Plan
    public var warnings: [Diagnostic]

    public init(plan: Plan, warnings: [Diagnostic] = []) {
        self.plan = plan
        self.warnings = warnings
    }
}
