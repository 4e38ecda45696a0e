import InwardCore
public import InwardLog
import InwardProtocol

extension ReviewTimeline {
    /// Reconstructs a session from what the reader found in its log.
    public init(_ contents: LogContents) {
        self.init(events: contents.events, warnings: contents.warnings)
    }

    /// Builds the timeline in one pass over the events in session-time order.
    ///
    /// Spans: every `track.start` opens a span of its own, closed by the
    /// `track.end` of the same phase and entry, so a crossfade (the next
    /// track's start before the previous one's end) gives two overlapping
    /// spans. A span still open when its phase ends runs on over the phase's
    /// fade-out (it is heard until then). A takeover soundscape runs until its
    /// phase ends or a track starts; a phase whose `phase.start` names a
    /// soundscape `source` is a soundscape span of its own.
    public init(events logEvents: [LogEvent], warnings: [String] = []) {
        duration = 0
        events = []
        phases = []
        tracks = []
        quiet = []
        envelope = []
        self.warnings = warnings

        // T0: from the first line that carries a T0-relative time.
        for e in logEvents {
            if let t = e.line.t0Seconds {
                t0 = e.line.sessionSeconds - t
                break
            }
        }
        if t0 == nil, let dose = logEvents.first(where: { $0.line.kind == "dose" }) { t0 = dose.line.sessionSeconds }

        // Events in session-time order (the log's order breaks ties).
        let ordered = logEvents.enumerated().sorted {
            $0.element.line.sessionSeconds != $1.element.line.sessionSeconds
                ? $0.element.line.sessionSeconds < $1.element.line.sessionSeconds : $0.offset < $1.offset
        }.map(\.element)
        events.reserveCapacity(ordered.count)

        var envelope = EnvelopeBuilder()
        var openPhase: PhaseSpan?
        /// Phase index -> its fade-out seconds, from phase.start.
        var fadeOuts: [Int: Double] = [:]
        var openTracks: [TrackSpan] = []
        var openQuiet: QuietSpan?
        var phaseEndedByNext = false
        var rate: Double?

        func closePhase(at s: Double, natural: Bool) {
            guard var p = openPhase else { return }
            p.end = max(s, p.start)
            if p.plannedSeconds == nil, natural, p.advancedBy == nil { p.plannedSeconds = p.actualSeconds - p.heldSeconds }
            phases.append(p)
            openPhase = nil
        }
        func close(_ i: Int, at s: Double, inferred: Bool) {
            var t = openTracks.remove(at: i)
            t.end = max(s, t.start)
            t.endInferred = inferred
            tracks.append(t)
        }
        /// Closes the spans of phase `index` (all, with nil) when the phase ends: they fade out with it.
        func closeTracks(ofPhase index: Int?, at s: Double) {
            var i = openTracks.count - 1
            while i >= 0 {
                let t = openTracks[i]
                if index == nil || t.phaseIndex == nil || t.phaseIndex == index {
                    let fade = t.phaseIndex.flatMap { fadeOuts[$0] } ?? 0
                    close(i, at: s + fade, inferred: true)
                }
                i -= 1
            }
        }
        func closeQuiet(at s: Double) {
            guard var q = openQuiet else { return }
            q.end = max(s, q.start)
            quiet.append(q)
            openQuiet = nil
        }
        // A calm playlist's events (`calm: true`) belong to no phase: -1, apart from the phase's tracks.
        func phaseIndex(_ f: JSONObject) -> Int? { f["calm"]?.boolValue == true ? -1 : f["phase_index"]?.int64Value.map { Int($0) } }

        for e in ordered {
            let l = e.line
            let s = l.sessionSeconds
            let f = l.fields
            duration = max(duration, s)
            let t0Relative = l.t0Seconds ?? t0.map { s - $0 }
            let clock = t0Relative.map(SessionClock.t) ?? SessionClock.s(s)
            var summary = Self.summary(l.kind, f, phase: l.phase)
            if l.kind == "track.end", f["title"] == nil,
               let open = openTracks.last(where: { Self.matches($0, f) }) ?? openTracks.first(where: { !$0.isSoundscape }) {
                summary = "Track ended: " + open.name
            }
            events.append(ReviewEvent(lineNumber: e.lineNumber, seq: l.seq, time: l.time, sessionSeconds: s,
                                      t0Seconds: t0Relative, kind: l.kind, phase: l.phase, fields: f,
                                      category: Self.category(l.kind), summary: summary,
                                      clock: clock))
            let by = f["by"]?.stringValue
            switch l.kind {
            case "session.start":
                sessionID = f["session_id"]?.stringValue
                client = f["client"]?.stringValue
                plan = f["plan"]?.stringValue
                planFile = f["plan_file"]?.stringValue.map(Self.baseName)
                planSHA256 = f["plan_sha256"]?.stringValue
                device = f["device"]?.stringValue
                sampleRate = f["sample_rate"]?.int64Value.map { Int($0) }
                rate = f["sample_rate"]?.doubleValue
                route = f["route"]?.stringValue
                logTimeZone = f["time_zone"]?.stringValue
                logUTCOffset = f["utc_offset_seconds"]?.int64Value.map { Int($0) }
                startTime = l.time
                envelope.set(at: s, base: f["level_db"]?.doubleValue ?? 0, ramp: 0)
            case "session.end":
                endTime = l.time
                endReason = f["reason"]?.stringValue
                if sessionID == nil { sessionID = f["session_id"]?.stringValue }
            case "dose":
                if route == nil { route = f["route"]?.stringValue }
            case "phase.start" where f["reason"]?.stringValue == "resumed" && openPhase?.index == phaseIndex(f):
                break   // the same phase going on after a restart: its band continues
            case "phase.start":
                let firstPhase = phases.isEmpty && openPhase == nil
                closePhase(at: s, natural: !phaseEndedByNext)
                phaseEndedByNext = false
                let index = phaseIndex(f)
                openPhase = PhaseSpan(name: l.phase ?? f["name"]?.stringValue ?? "phase", index: index,
                                      start: s, end: s, plannedSeconds: f["planned_seconds"]?.doubleValue, heldSeconds: 0,
                                      source: f["source"]?.objectValue?["kind"]?.stringValue ?? f["source"]?.stringValue)
                if let index, let fade = f["fade_out_seconds"]?.doubleValue { fadeOuts[index] = fade }
                if let source = f["source"]?.objectValue, source["kind"]?.stringValue == "soundscape" {
                    var settings = source
                    settings["kind"] = nil
                    openTracks.append(TrackSpan(title: "soundscape", artist: nil, file: nil, phase: l.phase, phaseIndex: index,
                                                entry: nil, start: s, end: s, isSoundscape: true, origin: .phase,
                                                settings: settings, seq: l.seq))
                }
                if let level = f["level_db"]?.doubleValue {
                    if firstPhase {
                        // Nothing is heard before the first phase: it fades in from silence.
                        let from = envelope.points.first?.seconds ?? s
                        envelope.points = [EnvelopePoint(seconds: from, db: ReviewTimeline.floorDB)]
                        if s > from { envelope.points.append(EnvelopePoint(seconds: s, db: ReviewTimeline.floorDB)) }
                    }
                    envelope.set(at: s, base: level, ramp: f["fade_in_seconds"]?.doubleValue ?? 0)
                }
            case "session.resume":
                // Nothing was heard while the daemon was down; the music came back over the fade.
                let gap = max(0, f["gap_seconds"]?.doubleValue ?? 0)
                let quietBefore = openQuiet
                closeQuiet(at: s - gap)
                quiet.append(QuietSpan(kind: .outage, start: s - gap, end: s, by: nil))
                envelope.set(at: s - gap, muted: true, ramp: 0)
                if f["aftercare"]?.boolValue == true {
                    // Aftercare went on: still no music, the stop (if any) still over it.
                    if let q = quietBefore { openQuiet = QuietSpan(kind: q.kind, start: s, end: s, by: q.by) }
                } else if let q = quietBefore, q.kind != .stop {
                    openQuiet = QuietSpan(kind: q.kind, start: s, end: s, by: q.by)
                } else {
                    envelope.set(at: s, muted: false, ramp: f["fade_seconds"]?.doubleValue ?? 0)
                }
            case "music.end":
                // Aftercare: nothing plays. A stop ends the music without a phase.end: the phase and its spans end here.
                for i in openTracks.indices.reversed() { close(i, at: s, inferred: true) }
                closePhase(at: s, natural: false)
                phaseEndedByNext = false
                envelope.set(at: s, muted: true, ramp: 0)
            case "phase.end":
                closeTracks(ofPhase: phaseIndex(f) ?? openPhase?.index, at: s)
                closePhase(at: s, natural: !phaseEndedByNext)
                phaseEndedByNext = false
            case "track.start":
                let index = phaseIndex(f) ?? openPhase?.index
                // A takeover soundscape gives way to a track.
                while let i = openTracks.firstIndex(where: { $0.origin == .takeover && ($0.phaseIndex == index || index == nil) }) {
                    close(i, at: s, inferred: true)
                }
                // The same entry started again (a resumed session): the old span ends here.
                if let i = openTracks.firstIndex(where: { !$0.isSoundscape && Self.matches($0, f) && f["entry"] != nil }) {
                    close(i, at: s, inferred: true)
                }
                let file = f["file"]?.stringValue.map(Self.baseName)
                openTracks.append(TrackSpan(title: f["title"]?.stringValue ?? file ?? "track", artist: f["artist"]?.stringValue,
                                            file: file, phase: l.phase, phaseIndex: index,
                                            entry: f["entry"]?.int64Value.map { Int($0) }, start: s, end: s,
                                            offset: max(0, f["offset_seconds"]?.doubleValue ?? 0), isSoundscape: false, seq: l.seq))
            case "track.end":
                // Its own start: same phase and entry (or file); the oldest playing track when the log does not say.
                if let i = openTracks.firstIndex(where: { !$0.isSoundscape && Self.matches($0, f) })
                    ?? openTracks.firstIndex(where: { !$0.isSoundscape }) {
                    close(i, at: s, inferred: false)
                }
            case "track.failed":
                failed.append(FailedTrack(seconds: s, file: f["file"]?.stringValue.map(Self.baseName),
                                          reason: f["reason"]?.stringValue, phase: l.phase))
            case "soundscape.takeover":
                var settings = f
                for key in ["frame", "phase_index", "reason", "entry"] { settings[key] = nil }
                openTracks.append(TrackSpan(title: "soundscape", artist: nil, file: nil, phase: l.phase,
                                            phaseIndex: phaseIndex(f) ?? openPhase?.index, entry: nil, start: s, end: s,
                                            isSoundscape: true, origin: .takeover, settings: settings, seq: l.seq))
            case "control.intensity", "control.brightness":
                let key = String(l.kind.dropFirst("control.".count))
                if let v = f["value"] ?? f[key] {
                    settingChanges.append(SettingChange(seconds: s, key: key, value: v))
                }
            case "audio.loudness":
                let interval = f["interval_seconds"]?.doubleValue ?? 10
                let values = f["lufs"]?.arrayValue ?? []
                var start = s - interval * Double(values.count)
                if let frame = f["frame"]?.doubleValue, let rate, rate > 0 { start = frame / rate }
                for (k, v) in values.enumerated() {
                    loudness.append(LoudnessSample(start: start + Double(k) * interval, seconds: interval, lufs: v.doubleValue))
                }
            case "control.hold":
                openPhase?.heldSeconds += f["seconds"]?.doubleValue ?? 0
            case "control.next":
                openPhase?.advancedBy = by ?? "therapist"
                phaseEndedByNext = true
            case "control.volume":
                envelope.set(at: s, volume: f["db"]?.doubleValue ?? 0, ramp: f["ramp_seconds"]?.doubleValue ?? 0)
            case "control.pause", "control.silence":
                closeQuiet(at: s)
                openQuiet = QuietSpan(kind: l.kind == "control.pause" ? .pause : .silence, start: s, end: s, by: by)
                envelope.set(at: s, muted: true, ramp: f["fade_seconds"]?.doubleValue ?? 0)
            case "control.calm" where f["on"]?.boolValue == false || f["off"]?.boolValue == true:
                if openQuiet?.kind == .calm { closeQuiet(at: s) }
            case "control.calm":
                closeQuiet(at: s)
                openQuiet = QuietSpan(kind: .calm, start: s, end: s, by: by)
            case "control.resume":
                closeQuiet(at: s)
                // Calm's own tracks go with calm.
                for i in openTracks.indices.reversed() where openTracks[i].phaseIndex == -1 { close(i, at: s, inferred: true) }
                envelope.set(at: s, muted: false, ramp: f["fade_seconds"]?.doubleValue ?? 0)
            case "control.stop":
                closeQuiet(at: s)
                openQuiet = QuietSpan(kind: .stop, start: s, end: s, by: by)
                envelope.set(at: s, muted: true, ramp: f["fade_seconds"]?.doubleValue ?? 0)
            default:
                break
            }
        }
        closePhase(at: duration, natural: false)
        closeTracks(ofPhase: nil, at: duration)
        for i in tracks.indices where tracks[i].end > duration { tracks[i].end = max(tracks[i].start, duration) }
        tracks.sort { $0.start != $1.start ? $0.start < $1.start : $0.end < $1.end }
        closeQuiet(at: duration)
        quiet.sort { $0.start < $1.start }
        loudness.sort { $0.start < $1.start }
        self.envelope = envelope.finish(at: duration)
        if let plan = logEvents.first(where: { $0.line.kind == "session.start" })?.line.fields["vitals"]?.objectValue {
            let schedule = VitalsSchedule(beforeDose: plan["before_dose"]?.boolValue ?? false,
                                          at: plan["at_t0_seconds"]?.arrayValue?.compactMap(\.doubleValue) ?? [],
                                          every: plan["every_seconds"]?.doubleValue)
            let readings = logEvents.filter { $0.line.kind == "mark.vitals" }.map(\.line.sessionSeconds)
            vitals = schedule.outcomes(t0: t0, end: duration, readings: readings)
        }
        linkCorrections()
        findAftercare()
        if let name = logTimeZone, let offset = logUTCOffset {
            zone = .fixed(name, seconds: offset, source: .log)
        } else if let name = logTimeZone, name == "UTC" || name == "Etc/UTC" {
            zone = .fixed(name, seconds: 0, source: .log)
        }
    }

    /// Whether a `track.end`'s fields name this span: same phase and entry, else same file.
    static func matches(_ t: TrackSpan, _ f: JSONObject) -> Bool {
        if let p = f["calm"]?.boolValue == true ? -1 : f["phase_index"]?.int64Value, let tp = t.phaseIndex, Int(p) != tp { return false }
        if let entry = f["entry"]?.int64Value { return t.entry == Int(entry) }
        if let file = f["file"]?.stringValue { return t.file == baseName(file) }
        return false
    }
}
