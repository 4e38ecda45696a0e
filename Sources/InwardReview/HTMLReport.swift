import InwardCore

/// One self-contained HTML file: inline CSS and SVG, no scripts, no external
/// requests. Readable on a tablet (fluid width, large type) and printable.
public enum HTMLReport {
    /// Phase band fills, in phase order (repeating): calm pastels that tell
    /// neighbours apart and print well.
    public static let phaseColours = ["#cfe0ec", "#d6e9d8", "#e4dcef", "#f0e0c8", "#d3e6e6", "#ecd9dc"]
    /// Track blocks (alternating) and soundscape blocks in the music row.
    public static let trackColours = ["#98b2c8", "#b7c9d9"]
    public static let soundscapeColour = "#b4d1bf"
    static let envelopeColour = "#2f5d7c"
    static let doseColour = "#b03a2e"
    static let boosterColour = "#d9822b"
    static let vitalsColour = "#2b6cb0"
    static let adverseColour = "#8b1e1e"
    static let noteColour = "#6b7280"
    public static let quietColours: [QuietSpan.Kind: (String, String)] = [
        .pause: ("#f6e3bd", "0.55"), .silence: ("#dcd8ee", "0.6"), .stop: ("#e5e5e5", "0.6"),
        .outage: ("#f2c4c4", "0.7"), .calm: ("#cfe8e2", "0.55"),
    ]
    static let failedColour = "#c2410c"
    /// The aftercare band: warm grey with a dashed edge, so it reads as "no music, record open".
    static let aftercareColour = "#ebe5d8"
    static let heardColour = "#b45309"

    // SVG geometry (viewBox units).
    static let width = 1200.0, left = 96.0, right = 24.0
    static let phaseY = 12.0, phaseH = 46.0
    static let trackY = 66.0, trackH = 26.0
    static let levelY = 104.0, levelH = 120.0
    static let laneY = 236.0, laneH = 17.0
    static let axisY = 312.0, height = 344.0
    static let topDB = 6.0

    public static func render(_ t: ReviewTimeline) -> String {
        var h = ""
        h.reserveCapacity(4096 + t.events.count * 400)
        let title = "Session review" + (t.client.map { " · \($0)" } ?? "") + (t.localDateTime(t.startTime).map { " · \($0.prefix(10))" } ?? "")
        h += """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>\(esc(title))</title>
            <style>\(css)</style>
            </head>
            <body>
            <main>
            <header><h1>Session review</h1><p class="sub">\(esc(subtitle(t)))</p></header>

            """
        h += "<dl class=\"facts\">"
        for (k, v) in t.facts { h += "<div><dt>\(esc(k))</dt><dd>\(esc(v))</dd></div>" }
        h += "</dl>\n"
        h += "<section class=\"timeline\"><h2>Timeline</h2>\n<figure>\n"
        svg(t, into: &h)
        h += legend(t)
        h += "</figure></section>\n"

        // Marks
        h += "<section><h2>Marks</h2>\n"
        let marks = t.marks
        if marks.isEmpty {
            h += "<p class=\"muted\">No marks were recorded.</p>\n"
        } else {
            h += "<table class=\"marks\"><thead><tr><th>Time</th><th>Mark</th><th>Details</th><th>Phase</th><th>Playing</th>"
            h += "<th>Level</th><th>Heard</th><th>Wall clock</th></tr></thead><tbody>\n"
            for e in marks {
                let kind = e.markKind ?? e.kind
                let m = t.moment(at: e.sessionSeconds, phase: e.phase)
                let cls = !e.corrections.isEmpty ? " class=\"corrected\""
                    : e.kind == "mark.adverse_event" ? " class=\"adverse\"" : (e.category == .dose ? " class=\"dose\"" : "")
                h += "<tr\(cls)><td class=\"clock\">\(esc(e.clock))</td><td>\(esc(kind.replacingDashes()))</td><td>\(summaryHTML(e))</td>"
                h += "<td>\(esc(m.phase ?? ""))</td><td class=\"playing\">\(esc(m.playingText))</td>"
                h += "<td class=\"wall\">\(esc(MomentsReport.levelText(m.levelDB)))</td><td class=\"wall\">\(esc(MomentsReport.heardText(m.heardLUFS)))</td>"
                h += "<td class=\"wall\">\(esc(t.localTime(e.time)))</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        h += "</section>\n"

        // Phases
        if !t.phases.isEmpty || t.aftercare != nil {
            h += "<section><h2>Phases</h2>\n<table class=\"phases\"><thead><tr><th>Start</th><th>Phase</th><th>Actual</th><th>Planned</th><th>Changes</th></tr></thead><tbody>\n"
            for (i, p) in t.phases.enumerated() {
                var changes: [String] = []
                if p.heldSeconds > 0 { changes.append("held +\(SessionClock.length(p.heldSeconds))") }
                if let by = p.advancedBy { changes.append("advanced early by \(by)") }
                h += "<tr><td class=\"clock\">\(esc(t.clock(sessionSeconds: p.start)))</td>"
                h += "<td><span class=\"swatch\" style=\"background:\(phaseColours[(p.index ?? i) % phaseColours.count])\"></span>\(esc(p.name))</td>"
                h += "<td>\(SessionClock.length(p.actualSeconds))</td><td>\(p.plannedSeconds.map(SessionClock.length) ?? "—")</td><td>\(esc(changes.joined(separator: ", ")))</td></tr>\n"
            }
            if let a = t.aftercare {
                h += "<tr class=\"aftercare\"><td class=\"clock\">\(esc(t.clock(sessionSeconds: a.start)))</td>"
                h += "<td><span class=\"swatch\" style=\"background:\(aftercareColour)\"></span>aftercare</td>"
                h += "<td>\(SessionClock.length(a.length))</td><td>\(a.minAfterDoseSeconds.map { "at least " + SessionClock.length($0) + " after the dose" } ?? "—")</td>"
                h += "<td>\(esc(a.text(t)))</td></tr>\n"
            }
            h += "</tbody></table></section>\n"
        }

        // The vitals the plan asked for
        if !t.vitals.isEmpty {
            h += "<section><h2>Vitals the plan asked for</h2>\n<table class=\"vitals\"><thead><tr><th>Due</th><th>Reading</th></tr></thead><tbody>\n"
            for o in t.vitals {
                let (due, outcome) = ReviewTimeline.vitalsLine(o)
                let missed = o.takenT0Seconds == nil
                h += "<tr\(missed ? " class=\"missed\"" : "")><td class=\"clock\">\(esc(due))</td><td>\(esc(outcome))</td></tr>\n"
            }
            h += "</tbody></table></section>\n"
        }

        // Every event
        h += "<section><h2>All events</h2>\n<table class=\"events\"><thead><tr><th>Time</th><th>Event</th><th>Phase</th><th>Line</th></tr></thead><tbody>\n"
        for e in t.events {
            let cls = e.category.rawValue + (e.corrections.isEmpty ? "" : " corrected")
            h += "<tr class=\"\(cls)\"><td class=\"clock\">\(esc(e.clock))</td><td>\(summaryHTML(e))</td><td>\(esc(e.phase ?? ""))</td><td class=\"line\">\(e.lineNumber)</td></tr>\n"
        }
        h += "</tbody></table></section>\n"
        if !t.warnings.isEmpty {
            h += "<section class=\"warnings\"><h2>Reading the log</h2><ul>"
            for w in t.warnings { h += "<li>\(esc(w))</li>" }
            h += "</ul></section>\n"
        }
        h += "<footer>Made by <code>inward review</code> from the session log. Check the log's hash chain with <code>inward verify</code>. Health information: keep this file private.</footer>\n"
        h += "</main>\n</body>\n</html>\n"
        return h
    }

    /// An event's summary; a corrected entry struck through (`<del>`) with what corrected it.
    static func summaryHTML(_ e: ReviewEvent) -> String {
        guard !e.corrections.isEmpty else { return esc(e.summary) }
        return "<del>\(esc(e.summary))</del> <span class=\"correction\">\(esc(e.corrections.map(\.text).joined(separator: "; ")))</span>"
    }

    static func subtitle(_ t: ReviewTimeline) -> String {
        var parts: [String] = []
        if let c = t.client { parts.append("Client \(c)") }
        if let p = t.plan { parts.append(p) }
        if let w = t.localDateTime(t.startTime) { parts.append(w) }
        parts.append(SessionClock.length(t.duration))
        return parts.joined(separator: " · ")
    }

    // MARK: SVG

    static func svg(_ t: ReviewTimeline, into h: inout String) {
        let span = max(t.duration, 60)
        let plotW = width - left - right
        func x(_ s: Double) -> Double { left + plotW * min(max(s, 0), span) / span }
        func y(_ db: Double) -> Double {
            let clamped = min(max(db, ReviewTimeline.floorDB), topDB)
            return levelY + levelH * (topDB - clamped) / (topDB - ReviewTimeline.floorDB)
        }
        let bottom = laneY + 4 * laneH
        h += "<svg viewBox=\"0 0 \(n(width)) \(n(height))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Session timeline\" font-family=\"system-ui, sans-serif\">\n"
        // Row labels
        for (label, yy) in [("Phases", phaseY + phaseH / 2), ("Music", trackY + trackH / 2), ("Level", levelY + levelH / 2),
                            ("Dose", laneY + laneH * 0.5), ("Vitals", laneY + laneH * 1.5), ("Adverse", laneY + laneH * 2.5),
                            ("Notes", laneY + laneH * 3.5)] {
            h += "<text x=\"\(n(left - 10))\" y=\"\(n(yy + 4))\" text-anchor=\"end\" font-size=\"12\" fill=\"#4b5563\">\(label)</text>\n"
        }
        // Phase bands
        for (i, p) in t.phases.enumerated() {
            let x0 = x(p.start), w = max(1, x(p.end) - x0)
            let colour = phaseColours[(p.index ?? i) % phaseColours.count]
            h += "<g><title>\(esc(p.name)): \(esc(t.clock(sessionSeconds: p.start))), \(esc(t.phaseLine(p)))</title>"
            h += "<rect x=\"\(n(x0))\" y=\"\(n(phaseY))\" width=\"\(n(w))\" height=\"\(n(phaseH))\" fill=\"\(colour)\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>"
            if w > Double(p.name.count) * 7 + 8 {
                h += "<text x=\"\(n(x0 + 6))\" y=\"\(n(phaseY + 20))\" font-size=\"14\" fill=\"#1f2937\">\(esc(p.name))</text>"
                if w > 60 {
                    h += "<text x=\"\(n(x0 + 6))\" y=\"\(n(phaseY + 37))\" font-size=\"11\" fill=\"#4b5563\">\(esc(t.clock(sessionSeconds: p.start)))</text>"
                }
            }
            h += "</g>\n"
        }
        // Aftercare: its own band in the phase row, dashed, from the end of the music to the discharge.
        if let a = t.aftercare {
            let x0 = x(a.start), w = max(1, x(a.end) - x0)
            h += "<g class=\"aftercare\"><title>aftercare \(esc(t.clock(sessionSeconds: a.start)))–\(esc(t.clock(sessionSeconds: a.end))): \(esc(a.text(t)))</title>"
            h += "<rect x=\"\(n(x0))\" y=\"\(n(phaseY))\" width=\"\(n(w))\" height=\"\(n(phaseH))\" fill=\"\(aftercareColour)\" stroke=\"#b8ad94\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
            if w > 70 {
                h += "<text x=\"\(n(x0 + 6))\" y=\"\(n(phaseY + 20))\" font-size=\"14\" fill=\"#1f2937\">aftercare</text>"
                if w > 90 {
                    h += "<text x=\"\(n(x0 + 6))\" y=\"\(n(phaseY + 37))\" font-size=\"11\" fill=\"#4b5563\">\(esc(t.clock(sessionSeconds: a.start)))</text>"
                }
            }
            h += "</g>\n"
        }
        // Track blocks
        // Spans overlap through crossfades: each is drawn whole, the later one on top,
        // with a fading edge where it comes in, and its name where there is room.
        var trackIndex = 0
        for k in t.tracks {
            let x0 = x(k.start), w = max(1, x(k.end) - x0)
            let colour = k.isSoundscape ? soundscapeColour : trackColours[trackIndex % 2]
            if !k.isSoundscape { trackIndex += 1 }
            let name = k.isSoundscape ? "soundscape" + Moment.settingsText(k.settings) : k.name
            let tip = "\(t.clock(sessionSeconds: k.start))–\(t.clock(sessionSeconds: k.end)) \(name) (\(SessionClock.length(k.length)))"
            h += "<g class=\"span\"><rect x=\"\(n(x0))\" y=\"\(n(trackY))\" width=\"\(n(w))\" height=\"\(n(trackH))\" rx=\"3\" fill=\"\(colour)\"><title>\(esc(tip))</title></rect>"
            let label = k.isSoundscape ? "soundscape" : k.title
            if w > Double(label.count) * 6.5 + 10 {
                h += "<text x=\"\(n(x0 + 5))\" y=\"\(n(trackY + 17))\" font-size=\"11\" fill=\"#1f2937\">\(esc(label))</text>"
            }
            h += "</g>\n"
        }
        for f in t.failed {
            let px = x(f.seconds)
            h += "<path d=\"M\(n(px - 5)) \(n(trackY - 2)) L\(n(px + 5)) \(n(trackY + 8)) M\(n(px + 5)) \(n(trackY - 2)) L\(n(px - 5)) \(n(trackY + 8))\" stroke=\"\(failedColour)\" stroke-width=\"2.5\"><title>\(esc(t.clock(sessionSeconds: f.seconds))) failed: \(esc(f.file ?? "?"))\(esc(f.reason.map { " (\($0))" } ?? ""))</title></path>\n"
        }
        // Quiet spans shade the music, level and marks rows.
        for q in t.quiet {
            let (fill, opacity) = quietColours[q.kind] ?? ("#dddddd", "0.5")
            let qx = n(x(q.start)), qw = n(max(1.5, x(q.end) - x(q.start)))
            let tip = "<title>\(esc(q.kind.rawValue)) \(esc(t.clock(sessionSeconds: q.start)))–\(esc(t.clock(sessionSeconds: q.end)))</title>"
            // Solid below the music row (white behind it), translucent over the track blocks.
            h += "<rect x=\"\(qx)\" y=\"\(n(levelY - 6))\" width=\"\(qw)\" height=\"\(n(bottom - levelY + 6))\" fill=\"\(fill)\">\(tip)</rect>"
            h += "<rect x=\"\(qx)\" y=\"\(n(trackY - 3))\" width=\"\(qw)\" height=\"\(n(trackH + 6))\" fill=\"\(fill)\" fill-opacity=\"\(opacity)\">\(tip)</rect>\n"
        }
        // Level grid and envelope
        for db in [0.0, -12, -24, -36] {
            h += "<line x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(y(db)))\" y2=\"\(n(y(db)))\" stroke=\"#e5e7eb\" stroke-width=\"1\"/>"
            h += "<text x=\"\(n(width - right + 2))\" y=\"\(n(y(db) + 4))\" font-size=\"9\" fill=\"#9ca3af\">\(Format.number(db))</text>\n"
        }
        h += "<line x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(y(ReviewTimeline.floorDB)))\" y2=\"\(n(y(ReviewTimeline.floorDB)))\" stroke=\"#d1d5db\" stroke-width=\"1\"/>"
        h += "<text x=\"\(n(width - right + 2))\" y=\"\(n(y(ReviewTimeline.floorDB) + 4))\" font-size=\"9\" fill=\"#9ca3af\">off</text>\n"
        var path = ""
        var lastX = -1.0, lastY = -1.0
        for (i, p) in t.envelope.enumerated() {
            let px = x(p.seconds), py = y(p.db)
            if i > 0 && abs(px - lastX) < 0.25 && abs(py - lastY) < 0.25 { continue }
            path += (path.isEmpty ? "M" : " L") + n(px) + " " + n(py)
            lastX = px
            lastY = py
        }
        h += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(envelopeColour)\" stroke-width=\"2.5\" stroke-linejoin=\"round\"><title>Level (dB: the phase level from the log, plus the volume)</title></path>\n"
        // Heard loudness (short-term LUFS measured at the output), where the log has it: gaps where it does not.
        if !t.loudness.isEmpty {
            var heard = ""
            var lastEnd = -1.0
            for sample in t.loudness {
                guard let lufs = sample.lufs else { lastEnd = -1; continue }
                let px = x(sample.start + sample.seconds / 2), py = y(lufs)
                heard += (abs(sample.start - lastEnd) < 0.5 ? " L" : (heard.isEmpty ? "M" : " M")) + n(px) + " " + n(py)
                lastEnd = sample.start + sample.seconds
            }
            h += "<path class=\"heard\" d=\"\(heard)\" fill=\"none\" stroke=\"\(heardColour)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"><title>Heard loudness (LUFS, short-term, measured at the output)</title></path>\n"
        }
        // Lanes
        for i in 0...4 {
            let yy = laneY + Double(i) * laneH
            h += "<line x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(yy))\" y2=\"\(n(yy))\" stroke=\"#f0f1f3\" stroke-width=\"1\"/>"
        }
        h += "\n"
        for e in t.events {
            guard let kind = e.markKind else { continue }
            let px = x(e.sessionSeconds)
            let tip = "<title>\(esc(e.clock)) \(esc(e.markedSummary))</title>"
            // A corrected entry stays on the timeline, faded, with a stroke through it.
            let corrected = !e.corrections.isEmpty
            if corrected { h += "<g class=\"corrected\" opacity=\"0.45\">" }
            switch kind {
            case "dose", "booster":
                let c = kind == "dose" ? doseColour : boosterColour
                let cy = laneY + laneH * 0.5
                if kind == "dose" {
                    h += "<line x1=\"\(n(px))\" x2=\"\(n(px))\" y1=\"\(n(phaseY))\" y2=\"\(n(bottom))\" stroke=\"\(c)\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>"
                }
                h += "<path d=\"M\(n(px)) \(n(cy - 7)) L\(n(px + 7)) \(n(cy)) L\(n(px)) \(n(cy + 7)) L\(n(px - 7)) \(n(cy)) Z\" fill=\"\(c)\">\(tip)</path>\n"
            case "vitals":
                h += "<circle cx=\"\(n(px))\" cy=\"\(n(laneY + laneH * 1.5))\" r=\"5.5\" fill=\"\(vitalsColour)\">\(tip)</circle>\n"
            case "adverse_event":
                let cy = laneY + laneH * 2.5
                h += "<path d=\"M\(n(px)) \(n(cy - 7)) L\(n(px + 7.5)) \(n(cy + 6)) L\(n(px - 7.5)) \(n(cy + 6)) Z\" fill=\"\(adverseColour)\">\(tip)</path>\n"
            default:
                let cy = laneY + laneH * 3.5
                h += "<rect x=\"\(n(px - 1.5))\" y=\"\(n(cy - 6))\" width=\"3\" height=\"12\" fill=\"\(noteColour)\">\(tip)</rect>\n"
            }
            if corrected {
                let cy = laneY + laneH * (kind == "dose" || kind == "booster" ? 0.5 : kind == "vitals" ? 1.5 : kind == "adverse_event" ? 2.5 : 3.5)
                h += "<line x1=\"\(n(px - 8))\" x2=\"\(n(px + 8))\" y1=\"\(n(cy + 7))\" y2=\"\(n(cy - 7))\" stroke=\"#111827\" stroke-width=\"1.5\"/></g>\n"
            }
        }
        // Axis on the T+ clock
        let step = tickStep(span)
        let origin = t.t0 ?? 0
        var k = (-origin / step).rounded(.up)
        h += "<line x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(axisY))\" y2=\"\(n(axisY))\" stroke=\"#9ca3af\" stroke-width=\"1\"/>\n"
        while origin + k * step <= span + 1e-9 {
            let s = origin + k * step
            let px = x(s)
            let rel = k * step
            let label = (t.t0 == nil ? "S+" : (rel < 0 ? "T-" : "T+")) + shortClock(abs(rel))
            h += "<line x1=\"\(n(px))\" x2=\"\(n(px))\" y1=\"\(n(axisY))\" y2=\"\(n(axisY + 5))\" stroke=\"#9ca3af\"/>"
            h += "<text x=\"\(n(px))\" y=\"\(n(axisY + 19))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#4b5563\">\(label)</text>\n"
            k += 1
        }
        h += "</svg>\n"
    }

    static func tickStep(_ span: Double) -> Double {
        for step in [60.0, 120, 300, 600, 900, 1800, 3600, 7200] where span / step <= 14 { return step }
        return (span / 12 / 3600).rounded(.up) * 3600
    }

    static func shortClock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return SessionClock.pad2(total / 3600) + ":" + SessionClock.pad2((total / 60) % 60)
    }

    static func legend(_ t: ReviewTimeline) -> String {
        func item(_ svg: String, _ label: String) -> String {
            "<span class=\"item\"><svg width=\"18\" height=\"14\" viewBox=\"0 0 18 14\" aria-hidden=\"true\">\(svg)</svg>\(label)</span>"
        }
        var s = "<figcaption class=\"legend\">"
        s += item("<rect x=\"1\" y=\"1\" width=\"16\" height=\"12\" rx=\"2\" fill=\"\(trackColours[0])\"/>", "track")
        s += item("<rect x=\"1\" y=\"1\" width=\"16\" height=\"12\" rx=\"2\" fill=\"\(soundscapeColour)\"/>", "soundscape")
        s += item("<path d=\"M1 7 L17 7\" stroke=\"\(envelopeColour)\" stroke-width=\"2.5\"/>", "level (dB: phase level plus volume)")
        s += item("<path d=\"M9 1 L15 7 L9 13 L3 7 Z\" fill=\"\(doseColour)\"/>", "dose (T0)")
        s += item("<path d=\"M9 1 L15 7 L9 13 L3 7 Z\" fill=\"\(boosterColour)\"/>", "booster")
        s += item("<circle cx=\"9\" cy=\"7\" r=\"5\" fill=\"\(vitalsColour)\"/>", "vitals")
        s += item("<path d=\"M9 1 L16 13 L2 13 Z\" fill=\"\(adverseColour)\"/>", "adverse event")
        s += item("<rect x=\"7.5\" y=\"1\" width=\"3\" height=\"12\" fill=\"\(noteColour)\"/>", "statement, note, other mark")
        s += item("<rect x=\"1\" y=\"1\" width=\"16\" height=\"12\" fill=\"\(quietColours[.pause]!.0)\"/>", "paused")
        s += item("<rect x=\"1\" y=\"1\" width=\"16\" height=\"12\" fill=\"\(quietColours[.silence]!.0)\"/>", "silence")
        if t.quiet.contains(where: { $0.kind == .calm }) {
            s += item("<rect x=\"1\" y=\"1\" width=\"16\" height=\"12\" fill=\"\(quietColours[.calm]!.0)\"/>", "calm")
        }
        if !t.loudness.isEmpty {
            s += item("<path d=\"M1 7 L17 7\" stroke=\"\(heardColour)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>", "heard (LUFS, measured)")
        }
        if !t.failed.isEmpty {
            s += item("<path d=\"M3 2 L15 12 M15 2 L3 12\" stroke=\"\(failedColour)\" stroke-width=\"2.5\"/>", "file that failed")
        }
        if t.aftercare != nil {
            s += item("<rect x=\"1\" y=\"1\" width=\"16\" height=\"12\" fill=\"\(aftercareColour)\" stroke=\"#b8ad94\" stroke-dasharray=\"3 2\"/>", "aftercare (no music, record open)")
        }
        if t.events.contains(where: { !$0.corrections.isEmpty }) {
            s += item("<path d=\"M2 12 L16 2\" stroke=\"#111827\" stroke-width=\"1.5\"/>", "corrected entry")
        }
        if t.quiet.contains(where: { $0.kind == .outage }) {
            s += item("<rect x=\"1\" y=\"1\" width=\"16\" height=\"12\" fill=\"\(quietColours[.outage]!.0)\"/>", "daemon down")
        }
        return s + "</figcaption>\n"
    }

    /// A number for SVG attributes: at most one decimal.
    static func n(_ v: Double) -> String {
        let r = (v * 10).rounded()
        let i = Int(r)
        return i % 10 == 0 ? "\(i / 10)" : "\(i / 10).\(abs(i % 10))".replacingSign(negative: i < 0 && i / 10 == 0)
    }

    /// HTML-escaped text.
    public static func esc(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static let css = """
        :root{color-scheme:light;--ink:#1f2937;--muted:#6b7280;--rule:#e5e7eb;--bg:#fbfbf9}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--ink);font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
        main{max-width:1240px;margin:0 auto;padding:24px 20px 48px}
        h1{font-size:1.7rem;font-weight:600;margin:0}
        h2{font-size:1.15rem;font-weight:600;margin:28px 0 10px;color:#374151}
        .sub{margin:2px 0 16px;color:var(--muted)}
        .facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:6px 24px;margin:0;padding:14px 16px;background:#fff;border:1px solid var(--rule);border-radius:10px}
        .facts div{display:flex;gap:10px}.facts dt{min-width:92px;flex:none;color:var(--muted)}.facts dd{margin:0;font-weight:500}
        figure{margin:0;padding:12px 12px 8px;background:#fff;border:1px solid var(--rule);border-radius:10px}
        figure>svg{display:block;width:100%;height:auto}
        .legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:.85rem;color:#4b5563;padding:8px 4px 0}
        .legend .item{display:inline-flex;align-items:center;gap:6px}.legend svg{width:18px;height:14px;flex:none}
        table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--rule);border-radius:10px;font-size:.95rem}
        th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #f0f1f3;vertical-align:top}
        th{font-weight:600;color:#4b5563;background:#f6f7f8}
        td.clock{font-variant-numeric:tabular-nums;white-space:nowrap;font-weight:600}
        td.wall,td.line{color:var(--muted);font-variant-numeric:tabular-nums;white-space:nowrap}
        tr.corrected td{color:var(--muted)}.correction{color:#92400e;font-weight:600}del{text-decoration:line-through}
        tr.aftercare td{background:#f7f4ee}
        tr.adverse td{background:#fbeeee}tr.missed td{background:#fbeeee;font-weight:600}tr.dose td{background:#fcf3ee}
        .events tr.phase td,.events tr.track td,.events tr.control td{color:#374151}
        .events tr.mark td,.events tr.dose td{font-weight:500}
        tr.before td{color:var(--muted);font-size:.88rem;padding-top:0}tr.before ul{margin:0;padding-left:18px}
        .swatch{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:8px;vertical-align:-1px}
        .muted{color:var(--muted)}
        .warnings li{color:#92400e}
        footer{margin-top:32px;color:var(--muted);font-size:.85rem}
        @media (max-width:700px){body{font-size:16px}main{padding:14px 10px}th,td{padding:6px}}
        @media print{@page{size:A4 landscape;margin:12mm}body{background:#fff;font-size:11pt}main{max-width:none;padding:0}
        figure,table,.facts{border-color:#ccc}tr{break-inside:avoid}section.timeline{break-inside:avoid}
        *{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
        """
}

extension String {
    fileprivate func replacingSign(negative: Bool) -> String { negative ? "-" + self : self }
}
