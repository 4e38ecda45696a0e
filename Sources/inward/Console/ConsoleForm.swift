/// A small form the console shows over the bottom of the screen: the dose
/// (route, amount, lot, with the plan's defaults), vitals, a note, or a y/n
/// question. It only edits text; what is sent is decided by its owner.
///
/// Threading: a value type used on the console's main thread.
struct ConsoleForm {
    struct Field {
        var label: String
        var value: String
        /// Digits and a decimal point only (vital signs).
        var numeric = false
        /// Shown after the value while it is empty.
        var hint = ""
    }

    enum Purpose: Equatable { case dose(booster: Bool), vitals, note, confirmNext }

    enum Outcome: Equatable { case editing, submit, cancel }

    var purpose: Purpose
    var title: String
    var fields: [Field]
    var current = 0

    /// y/n questions have no fields: y submits, n or Esc cancels.
    var isQuestion: Bool { fields.isEmpty }

    /// The value of the field labelled `label`, trimmed; nil when empty.
    func value(_ label: String) -> String? {
        guard let f = fields.first(where: { $0.label == label }) else { return nil }
        let t = f.value.trimmingCharacters(in: " ")
        return t.isEmpty ? nil : t
    }

    /// Enter moves to the next field and submits on the last; Tab and ↓ move
    /// on, Shift-Tab and ↑ back; Esc cancels; Backspace deletes.
    mutating func handle(_ key: Curses.Key) -> Outcome {
        if isQuestion {
            switch key {
            case .character(UInt8(ascii: "y")), .character(UInt8(ascii: "Y")): return .submit
            case .character(UInt8(ascii: "n")), .character(UInt8(ascii: "N")), .escape: return .cancel
            default: return .editing
            }
        }
        switch key {
        case .escape: return .cancel
        case .enter:
            if current == fields.count - 1 { return .submit }
            current += 1
        case .character(9), .down: current = (current + 1) % fields.count
        case .backTab, .up: current = (current + fields.count - 1) % fields.count
        case .backspace:
            if !fields[current].value.isEmpty { fields[current].value.removeLast() }
        case .character(let c) where c >= 0x20 && c < 0x7F:
            let ch = Character(Unicode.Scalar(c))
            if fields[current].numeric && !(ch.isNumber || ch == ".") { break }
            if fields[current].value.count < 60 { fields[current].value.append(ch) }
        default: break
        }
        return .editing
    }

    /// The form's rows on screen.
    var lines: [ScreenLine] {
        if isQuestion { return [ScreenLine(title + "  (y/n)", .heading)] }
        var rows = [ScreenLine(title + "  (Enter: next/send, Tab: move, Esc: cancel)", .heading)]
        for (i, f) in fields.enumerated() {
            let marker = i == current ? ">" : " "
            let shown = f.value.isEmpty && i != current ? f.hint : f.value + (i == current ? "_" : "")
            rows.append(ScreenLine(" \(marker) \(f.label.padding(12))\(shown)"))
        }
        return rows
    }

    // MARK: the console's forms

    static func dose(planRoute: String?, booster: Bool) -> ConsoleForm {
        let title = booster ? "Booster (T0 is already marked): route and amount" : "Dose (sets T0): route and amount"
        return ConsoleForm(purpose: .dose(booster: booster), title: title, fields: [
            Field(label: "route", value: planRoute ?? "", hint: "(the plan's route)"),
            Field(label: "amount", value: "", hint: "e.g. 0.5 mg/kg (empty: not recorded / the plan's per device)"),
            Field(label: "lot", value: "", hint: "(optional)"),
        ])
    }

    static func vitals() -> ConsoleForm {
        ConsoleForm(purpose: .vitals, title: "Vitals: fill what you measured", fields: [
            Field(label: "systolic", value: "", numeric: true, hint: "mmHg"),
            Field(label: "diastolic", value: "", numeric: true, hint: "mmHg"),
            Field(label: "heart_rate", value: "", numeric: true, hint: "/min"),
            Field(label: "spo2", value: "", numeric: true, hint: "%"),
            Field(label: "respiratory_rate", value: "", numeric: true, hint: "/min"),
        ])
    }

    static func note() -> ConsoleForm {
        ConsoleForm(purpose: .note, title: "Note for the session log", fields: [Field(label: "note", value: "")])
    }

    static func confirmNext(phase: String?) -> ConsoleForm {
        ConsoleForm(purpose: .confirmNext, title: "End \(phase ?? "this phase") now and move to the next phase?", fields: [])
    }
}

extension String {
    /// Padded with spaces to at least `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
