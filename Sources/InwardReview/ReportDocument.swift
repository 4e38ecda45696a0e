public import InwardProtocol

/// A report as header facts and tables, written once and rendered in every
/// format: text (aligned columns), HTML (tables), CSV (one table; several
/// become one with a `section` column and the union of their columns) and
/// JSON (`session` facts and one array of row objects per table).
/// The summary, moments and minutes reports are built as documents.
public struct ReportDocument: Sendable {
    /// One value: as shown in text and HTML, and as written in JSON and CSV.
    public struct Cell: Sendable {
        public var text: String
        public var json: JSONValue
        /// CSV: the JSON value when it is a number or bool, else the text.
        public var csv: String

        public init(_ text: String, json: JSONValue, csv: String? = nil) {
            self.text = text
            self.json = json
            self.csv = csv ?? text
        }

        public static func text(_ s: String?) -> Cell {
            Cell(s ?? "-", json: .optional(s), csv: s ?? "")
        }

        public static func number(_ d: Double?, unit: String = "") -> Cell {
            guard let d, d.isFinite else { return Cell("-", json: .null, csv: "") }
            let r = (d * 1000).rounded() / 1000
            return Cell(Format.number(d) + unit, json: .number(r), csv: Format.number(r))
        }
    }

    public struct Column: Sendable {
        /// JSON key and CSV header.
        public var key: String
        /// Text and HTML header.
        public var label: String
        /// Shown in text, in HTML, and in the data formats (CSV, JSON).
        public var text: Bool
        public var html: Bool
        public var data: Bool

        public init(_ key: String, _ label: String, text: Bool = true, html: Bool = true, data: Bool = true) {
            self.key = key
            self.label = label
            self.text = text
            self.html = html
            self.data = data
        }
    }

    public struct Table: Sendable {
        /// JSON key and CSV `section` value.
        public var key: String
        public var title: String
        public var columns: [Column]
        public var rows: [[Cell]]
        /// Text shown instead of an empty table.
        public var empty: String
        /// Lines shown under a row in text (the moments report's minute before), not in the other formats' cells.
        public var notes: [[String]] = []
        /// The lines under a row in HTML, where they differ from the text's (columns the text leaves out are shown there).
        public var htmlNotes: [[String]]?

        public init(key: String, title: String, columns: [Column], rows: [[Cell]] = [], empty: String = "none") {
            self.key = key
            self.title = title
            self.columns = columns
            self.rows = rows
            self.empty = empty
        }
    }

    /// The report's kind, for JSON (`report`).
    public var kind: String
    public var title: String
    /// Header facts: (JSON key, label, value).
    public var facts: [(key: String, label: String, value: Cell)]
    public var tables: [Table]

    public init(kind: String, title: String, facts: [(key: String, label: String, value: Cell)] = [], tables: [Table] = []) {
        self.kind = kind
        self.title = title
        self.facts = facts
        self.tables = tables
    }

    public func render(_ format: ReportFormat) -> String {
        switch format {
        case .text: text()
        case .html: html()
        case .csv: csv()
        case .json: json()
        }
    }

    func text() -> String {
        var out = title + "\n\n"
        let w = facts.map(\.label.count).max() ?? 0
        for f in facts { out += f.label.padding(w) + "  " + f.value.text.replacingNewlines() + "\n" }
        for t in tables {
            out += "\n" + t.title + "\n"
            guard !t.rows.isEmpty else {
                out += "  " + t.empty + "\n"
                continue
            }
            let shown = t.columns.indices.filter { t.columns[$0].text }
            let cells = t.rows.map { r in shown.map { $0 < r.count ? r[$0].text.replacingNewlines() : "" } }
            // Columns aligned, the last one free.
            var widths = shown.map { t.columns[$0].label.count }
            for r in cells { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
            func line(_ r: [String]) -> String {
                var s = ""
                for (i, c) in r.enumerated() { s += "  " + (i == r.count - 1 ? c : c.padding(widths[i])) }
                while s.hasSuffix(" ") { s.removeLast() }
                return s + "\n"
            }
            out += line(shown.map { t.columns[$0].label })
            for (i, r) in cells.enumerated() {
                out += line(r)
                if i < t.notes.count { for n in t.notes[i] { out += "      " + n.replacingNewlines() + "\n" } }
            }
        }
        return out
    }

    func html() -> String {
        let esc = HTMLReport.esc
        var h = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>\(esc(title))</title>
            <style>\(HTMLReport.css)</style>
            </head>
            <body>
            <main>
            <header><h1>\(esc(title))</h1></header>

            """
        h += "<dl class=\"facts\">"
        for f in facts { h += "<div><dt>\(esc(f.label))</dt><dd>\(esc(f.value.text))</dd></div>" }
        h += "</dl>\n"
        for t in tables {
            h += "<section><h2>\(esc(t.title))</h2>\n"
            guard !t.rows.isEmpty else {
                h += "<p class=\"muted\">\(esc(t.empty))</p></section>\n"
                continue
            }
            h += "<table class=\"\(esc(t.key))\"><thead><tr>"
            for c in t.columns where c.html { h += "<th>\(esc(c.label))</th>" }
            h += "</tr></thead><tbody>\n"
            let shown = t.columns.filter(\.html).count
            for (i, r) in t.rows.enumerated() {
                h += "<tr>"
                for (j, c) in r.enumerated() where j < t.columns.count && t.columns[j].html {
                    let cls = j < t.columns.count && (t.columns[j].key == "clock" || t.columns[j].key.hasSuffix("_clock")) ? " class=\"clock\"" : ""
                    h += "<td\(cls)>\(esc(c.text))</td>"
                }
                h += "</tr>\n"
                let notes = t.htmlNotes ?? t.notes
                if i < notes.count, !notes[i].isEmpty {
                    h += "<tr class=\"before\"><td></td><td colspan=\"\(max(1, shown - 1))\"><ul>"
                    for n in notes[i] { h += "<li>\(esc(n))</li>" }
                    h += "</ul></td></tr>\n"
                }
            }
            h += "</tbody></table></section>\n"
        }
        h += "<footer>Made by <code>inward review</code> from the session log. Health information: keep this file private.</footer>\n"
        h += "</main>\n</body>\n</html>\n"
        return h
    }

    func csv() -> String {
        let q = CSVReport.quote
        if tables.count == 1, let t = tables.first {
            let shown = t.columns.indices.filter { t.columns[$0].data }
            var out = shown.map { q(t.columns[$0].key) }.joined(separator: ",") + "\r\n"
            for r in t.rows { out += shown.map { q($0 < r.count ? r[$0].csv : "") }.joined(separator: ",") + "\r\n" }
            return out
        }
        // Several tables: one, with a `section` column and every table's columns.
        var keys: [String] = []
        for t in tables { for c in t.columns where c.data && !keys.contains(c.key) { keys.append(c.key) } }
        var out = (["section"] + keys).map(q).joined(separator: ",") + "\r\n"
        for t in tables {
            for r in t.rows {
                var row = [String](repeating: "", count: keys.count)
                for (j, c) in r.enumerated() where j < t.columns.count && t.columns[j].data {
                    if let k = keys.firstIndex(of: t.columns[j].key) { row[k] = c.csv }
                }
                out += ([t.key] + row).map(q).joined(separator: ",") + "\r\n"
            }
        }
        return out
    }

    func json() -> String {
        var session = JSONObject()
        for f in facts { session[f.key] = f.value.json }
        var out = "{\n\"report\":" + JSONValue.string(kind).jsonString + ",\n\"session\":" + JSONValue.object(session).jsonString
        for t in tables {
            out += ",\n" + JSONValue.string(t.key).jsonString + ":["
            for (i, r) in t.rows.enumerated() {
                var o = JSONObject()
                for (j, c) in r.enumerated() where j < t.columns.count && t.columns[j].data { o[t.columns[j].key] = c.json }
                out += (i == 0 ? "\n  " : ",\n  ") + JSONValue.object(o).jsonString
            }
            out += t.rows.isEmpty ? "]" : "\n]"
        }
        return out + "\n}\n"
    }
}
