import TOMLKit

/// The clinical tables of a plan: `[vitals.alerts]` (alert limits),
/// `[aftercare]` (how long at least after the dose) and `[dose]` (what one
/// device delivers). Format and defaults: docs/plans.md, docs/clinical-defaults.md.
extension PlanReader {
    /// `[vitals.alerts]`: limits by `VitalLimit` key, each within what its field
    /// can physically take, each `_min` below the `_max` it pairs with.
    mutating func readVitalAlerts(_ value: any TOMLValueConvertible) -> VitalAlerts {
        var alerts = VitalAlerts.defaults
        guard let table = value.table else {
            error("vitals.alerts", "alerts must be a table ([vitals.alerts]), got \(Self.describe(value))")
            return alerts
        }
        checkKeys(table, known: PlanKeys.vitalAlerts, path: "vitals.alerts")
        var given: Set<VitalLimit> = []
        for limit in VitalLimit.allCases {
            let path = "vitals.alerts.\(limit.rawValue)"
            guard let number = number(table, limit.rawValue, path: path) else { continue }
            let field = limit.field
            guard field.possible.contains(number) else {
                error(path, "\(Self.show(number)) \(field.unit) is outside \(field.rangeText), the values \(field.rawValue) can take; "
                    + "a reading alerts when it is \(limit.rule(limit.defaultValue)) by default")
                continue
            }
            alerts[limit] = number
            given.insert(limit)
        }
        let pairs: [(VitalLimit, VitalLimit)] = [
            (.systolicMin, .systolicMax), (.systolicMin, .systolicMaxAfterDose), (.heartRateMin, .heartRateMax),
            (.respiratoryRateMin, .respiratoryRateMax), (.temperatureMin, .temperatureMax),
        ]
        for (low, high) in pairs where (given.contains(low) || given.contains(high)) && alerts[low] >= alerts[high] {
            let key = given.contains(high) ? high : low
            error("vitals.alerts.\(key.rawValue)",
                  "\(low.rawValue) (\(Self.show(alerts[low]))) is not below \(high.rawValue) (\(Self.show(alerts[high]))): "
                    + "every \(low.field.rawValue) reading would raise an alert; lower \(low.rawValue) or raise \(high.rawValue)")
        }
        return alerts
    }

    /// `[aftercare] min_after_dose`: a duration > 0; nil when absent.
    mutating func readAftercare(_ value: (any TOMLValueConvertible)?) -> Double? {
        guard let value else { return nil }
        guard let table = value.table else {
            error("aftercare", "aftercare must be a table ([aftercare]), got \(Self.describe(value))")
            return nil
        }
        // How long a record may stay open is the daemon's to say, for every plan alike.
        checkKeys(table, known: PlanKeys.aftercare + ["max_open"], path: "aftercare")
        if table["max_open"] != nil {
            error("aftercare.max_open", "max_open is not a plan key: how long a record may stay open is set in the daemon's "
                + "configuration (inwardd.toml), for every plan; remove it here")
        }
        guard let written = table["min_after_dose"],
              let seconds = duration(written, path: "aftercare.min_after_dose", allowUntilDose: false) else { return nil }
        guard seconds > 0 else {
            error("aftercare.min_after_dose", "min_after_dose must be longer than 0s; leave it out if the plan sets no minimum")
            return nil
        }
        return seconds
    }

    /// `[dose] amount_per_device = "28 mg"`; nil when absent.
    mutating func readDose(_ value: (any TOMLValueConvertible)?, route: Route) -> DoseAmount? {
        guard let value else { return nil }
        guard let table = value.table else {
            error("dose", "dose must be a table ([dose]), got \(Self.describe(value))")
            return nil
        }
        checkKeys(table, known: PlanKeys.dose, path: "dose")
        guard let text = string(table, "amount_per_device", path: "dose.amount_per_device") else { return nil }
        guard let amount = DoseAmount.parse(text) else {
            error("dose.amount_per_device", "\"\(text)\" is not an amount; write a number above 0 and a unit "
                + "(\(DoseAmount.units.joined(separator: ", "))), e.g. amount_per_device = \"28 mg\"")
            return nil
        }
        if route != .intranasal {
            warning("dose.amount_per_device", "amount_per_device counts intranasal devices (dose --devices N), "
                + "but this plan's route is \"\(route.rawValue)\"; remove it or set route = \"intranasal\"")
        }
        return amount
    }

    /// Where a clinical key belongs when it is written in another table.
    static func clinicalPlacement(of key: String, in path: String?) -> String? {
        if PlanKeys.vitalAlerts.contains(key) && path != "vitals.alerts" { return "\(key) belongs in [vitals.alerts]" }
        if PlanKeys.aftercare.contains(key) && path != "aftercare" { return "\(key) belongs in [aftercare]" }
        if PlanKeys.dose.contains(key) && path != "dose" { return "\(key) belongs in [dose]" }
        return nil
    }
}
