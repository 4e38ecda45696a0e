import ArgumentParser
import InwardProtocol

/// What a therapist's mark records.
enum MarkKind: String, CaseIterable, ExpressibleByArgument {
    case vitals, statement, adverse, note
    case eyeshadesOff = "eyeshades-off", eyeshadesOn = "eyeshades-on"
    case headphonesOff = "headphones-off", headphonesOn = "headphones-on"
    case bathroom
    case readyToLeave = "ready-to-leave"
    case discharge, other

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
            Examples: inward mark vitals --field systolic=120 --field diastolic=80 --field heart_rate=72 --field spo2=97
                      inward mark statement "I can see the ocean"
            Numeric field values are recorded as numbers.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("What to mark.", valueName: "kind"))
    var kind: MarkKind

    @Argument(help: ArgumentHelp("Free text, e.g. what the client said.", valueName: "text"))
    var text: [String] = []

    @Option(name: .customLong("field"), help: ArgumentHelp("A structured field, key=value (repeat).", valueName: "key=value"))
    var fields: [String] = []

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
        let fieldObject = try Self.parseFields(fields)
        try withDaemon(global) { daemon in
            var params: JSONObject = ["kind": .string(kind.wireName)]
            if !text.isEmpty { params["text"] = .string(text.joined(separator: " ")) }
            if !fieldObject.isEmpty { params["fields"] = .object(fieldObject) }
            let reply = try daemon.call(SessionMethod.mark, params)
            if global.json { return Output.json(reply) }
            let seq = reply["seq"]?.int64Value.map { " (#\($0) in the log)" } ?? ""
            Output.line("\(kind.rawValue) marked\(seq)")
        }
    }
}
