import ArgumentParser
import InwardProtocol

/// What a therapist's mark records.
enum MarkKind: String, CaseIterable, ExpressibleByArgument {
    case vitals, assessment, statement, adverse, note, correction
    case eyeshadesOff = "eyeshades-off", eyeshadesOn = "eyeshades-on"
    case headphonesOff = "headphones-off", headphonesOn = "headphones-on"
    case bathroom
    case readyToLeave = "ready-to-leave"
    case other

    /// Also accepts the protocol's spelling (adverse_event, eyeshades_off).
    init?(argument: String) {
        let a = argument.lowercased().replacingOccurrences(of: "_", with: "-")
        if a == "adverse-event" { self = .adverse; return }
        guard let k = MarkKind(rawValue: a) else { return nil }
        self = k
    }

    /// The `kind` sent to Mark: lowercase letters, digits and "_".
    var wireName: String {
        switch self {
        case .adverse: "adverse_event"
        default: rawValue.replacingOccurrences(of: "-", with: "_")
        }
    }
}

/// `inward mark KIND [TEXT] [--field key=value ...]` (Mark).
struct MarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark",
        abstract: "Add a mark to the session log: vitals, a statement, an adverse event, a note, ...",
        discussion: """
            Examples: inward mark vitals --field bp=120/80 --field heart_rate=72 --field spo2=97
                      inward mark assessment --sedation mild --dissociation moderate --respiratory normal
                      inward mark statement "I can see the ocean"
                      inward mark correction --of 14 --reason "the reading was the other client's"
                      inward mark ready-to-leave
            Vital signs: systolic, diastolic (or bp=SYS/DIA), heart_rate, spo2, respiratory_rate, temperature (°C); \
            a value outside what is physically possible is refused, an abnormal one is recorded and raises an alert. \
            The record closes with `inward discharge`, not a mark.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("What to mark.", valueName: "kind"))
    var kind: MarkKind

    @Argument(help: ArgumentHelp("Free text, e.g. what the client said.", valueName: "text"))
    var text: [String] = []

    @Option(name: .customLong("field"), help: ArgumentHelp("A structured field, key=value (repeat).", valueName: "key=value"))
    var fields: [String] = []

    @Option(name: .long, help: ArgumentHelp("Assessment: sedation.", valueName: "none|mild|moderate|severe"))
    var sedation: String?

    @Option(name: .long, help: ArgumentHelp("Assessment: dissociation.", valueName: "none|mild|moderate|severe"))
    var dissociation: String?

    @Option(name: .long, help: ArgumentHelp("Assessment: respiratory.", valueName: "normal|depressed"))
    var respiratory: String?

    @Option(name: .long, help: ArgumentHelp("A note with the assessment (or any mark).", valueName: "text"))
    var note: String?

    @Option(name: .long, help: ArgumentHelp("Correction: the number (#) of the mark or dose it corrects.", valueName: "seq"))
    var of: Int?

    @Option(name: .long, help: ArgumentHelp("Correction: why.", valueName: "text"))
    var reason: String?

    /// `key=value` pairs; values that read as numbers become numbers.
    static func parseFields(_ fields: [String]) throws -> JSONObject {
        var o = JSONObject()
        for f in fields {
            guard let eq = f.firstIndex(of: "="), eq != f.startIndex else {
                throw usage("--field '\(f)': write key=value, e.g. --field heart_rate=72")
            }
            let key = String(f[..<eq]), raw = String(f[f.index(after: eq)...])
            guard o[key] == nil else { throw usage("--field \(key) is given twice") }
            o[key] = number(raw) ?? .string(raw)
        }
        return o
    }

    static func number(_ s: String) -> JSONValue? {
        guard let first = s.first, first.isNumber || first == "-" || first == ".",
              s.allSatisfy({ $0.isASCII && ($0.isNumber || "-+.eE".contains($0)) }) else { return nil }
        if let i = Int64(s) { return .integer(i) }
        if let d = Double(s), d.isFinite { return .number(d) }
        return nil
    }

    func run() throws {
        var fieldObject = try Self.parseFields(fields)
        if kind == .assessment {
            if let sedation { fieldObject["sedation"] = .string(sedation) }
            if let dissociation { fieldObject["dissociation"] = .string(dissociation) }
            if let respiratory { fieldObject["respiratory"] = .string(respiratory) }
        } else if sedation != nil || dissociation != nil || respiratory != nil {
            throw usage("--sedation, --dissociation and --respiratory belong to `inward mark assessment`")
        }
        if kind == .correction {
            guard let of else { throw usage("a correction names what it corrects: --of SEQ (the # `inward review` shows)") }
            guard let reason, !reason.isEmpty else { throw usage("a correction needs --reason TEXT") }
            fieldObject["of"] = .integer(Int64(of))
            fieldObject["reason"] = .string(reason)
        } else if of != nil || reason != nil {
            throw usage("--of and --reason belong to `inward mark correction`")
        }
        if let note { fieldObject["note"] = .string(note) }
        if kind == .vitals && fieldObject.isEmpty {
            throw usage("a vitals reading needs at least one field, e.g. --field bp=120/80 --field heart_rate=72 --field spo2=97")
        }
        try withDaemon(global) { daemon in
            var params: JSONObject = ["kind": .string(kind.wireName)]
            if !text.isEmpty { params["text"] = .string(text.joined(separator: " ")) }
            if !fieldObject.isEmpty { params["fields"] = .object(fieldObject) }
            let reply = try daemon.call(SessionMethod.mark, params)
            if global.json { return Output.json(reply) }
            let seq = reply["seq"]?.int64Value.map { " (#\($0) in the log)" } ?? ""
            Output.line("\(kind.rawValue) marked\(seq)")
            // An alert is said in words only: never a bell, which may sound in the room.
            for alert in reply["alerts"]?.arrayValue ?? [] {
                let a = SessionStatus.VitalAlert(json: alert.objectValue ?? [:])
                Output.line("ALERT: \(a.message)")
            }
        }
    }
}
