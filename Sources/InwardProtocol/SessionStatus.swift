/// The IDL's `SessionStatus`: what the daemon is doing, at the moment of a
/// reply. The daemon builds one and encodes it (`json`); the CLI decodes it
/// (`init(json:)`). Decoding is lenient so clients and daemons of different
/// versions keep working: a field this version does not know is ignored, and
/// one it expects but does not find takes its idle value.
public struct SessionStatus: Sendable, Equatable {
    /// The IDL's `State`. A value this version does not name still decodes
    /// (a newer daemon may have more states).
    public struct State: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let idle = State(rawValue: "idle")
        public static let waitingForDose = State(rawValue: "waiting_for_dose")
        public static let playing = State(rawValue: "playing")
        public static let paused = State(rawValue: "paused")
        public static let silenced = State(rawValue: "silenced")
        public static let stopping = State(rawValue: "stopping")
        public static let aftercare = State(rawValue: "aftercare")
    }

    /// The IDL's `Phase`.
    public struct Phase: Sendable, Equatable {
        public var index: Int
        public var name: String
        public var plannedSeconds: Double?
        public var untilDose: Bool
        /// playlist, soundscape or silence.
        public var source: String
        public var levelDB: Double
        public var fadeInSeconds: Double
        public var fadeOutSeconds: Double
        public var maxHoldSeconds: Double

        public init(index: Int, name: String, plannedSeconds: Double?, untilDose: Bool, source: String, levelDB: Double,
                    fadeInSeconds: Double, fadeOutSeconds: Double, maxHoldSeconds: Double) {
            self.index = index
            self.name = name
            self.plannedSeconds = plannedSeconds
            self.untilDose = untilDose
            self.source = source
            self.levelDB = levelDB
            self.fadeInSeconds = fadeInSeconds
            self.fadeOutSeconds = fadeOutSeconds
            self.maxHoldSeconds = maxHoldSeconds
        }
    }

    /// The IDL's `Track`.
    public struct Track: Sendable, Equatable {
        public var path: String
        public var title: String?
        public var artist: String?
        public var index: Int
        public var positionSeconds: Double
        public var durationSeconds: Double?

        public init(path: String, title: String?, artist: String?, index: Int, positionSeconds: Double,
                    durationSeconds: Double?) {
            self.path = path
            self.title = title
            self.artist = artist
            self.index = index
            self.positionSeconds = positionSeconds
            self.durationSeconds = durationSeconds
        }
    }

    /// The IDL's `VitalsDue`.
    public struct VitalsDue: Sendable, Equatable {
        /// When it is due on the T+ clock; nil for the reading before the dose.
        public var t0Seconds: Double?
        /// Seconds until it is due; 0 or less once it is due.
        public var inSeconds: Double

        public init(t0Seconds: Double?, inSeconds: Double) {
            self.t0Seconds = t0Seconds
            self.inSeconds = inSeconds
        }
    }

    /// The IDL's `Aftercare`.
    public struct Aftercare: Sendable, Equatable {
        public var musicEndedSeconds: Double
        public var minAfterDoseSeconds: Double?
        public var dischargeInSeconds: Double

        public init(musicEndedSeconds: Double, minAfterDoseSeconds: Double?, dischargeInSeconds: Double) {
            self.musicEndedSeconds = musicEndedSeconds
            self.minAfterDoseSeconds = minAfterDoseSeconds
            self.dischargeInSeconds = dischargeInSeconds
        }
    }

    /// The IDL's `VitalAlert`.
    public struct VitalAlert: Sendable, Equatable {
        public var field: String
        public var code: String
        public var value: Double
        public var threshold: Double
        public var message: String

        public init(field: String, code: String, value: Double, threshold: Double, message: String) {
            self.field = field
            self.code = code
            self.value = value
            self.threshold = threshold
            self.message = message
        }

        public var json: JSONObject {
            ["field": .string(field), "code": .string(code), "value": .number(value), "threshold": .number(threshold),
             "message": .string(message)]
        }

        public init(json o: JSONObject) {
            field = o["field"]?.stringValue ?? "?"
            code = o["code"]?.stringValue ?? ""
            value = o["value"]?.doubleValue ?? 0
            threshold = o["threshold"]?.doubleValue ?? 0
            message = o["message"]?.stringValue ?? "\(field) outside its alert limit"
        }
    }

    /// The IDL's `Output`: one device of the room and how it plays.
    public struct Output: Sendable, Equatable {
        public var name: String
        public var device: String
        /// Its own level, dB relative to the plan and the master volume.
        public var levelDB: Double
        public var on: Bool
        /// playing, aligning or lost (a state this version does not know still decodes).
        public var state: String
        /// The device's delay last measured (written and not yet heard), seconds.
        public var delaySeconds: Double?
        /// How far it lags the first output (negative: leads), seconds; null for the first.
        public var offsetSeconds: Double?
        /// dB it plays above `levelDB` while the headphones are off (`[headphones_off]`); nil when not raised.
        public var raisedDB: Double?
        /// True for the output pacing the session: the first, or while it is lost the one that took over.
        public var clock: Bool

        public init(name: String, device: String, levelDB: Double, on: Bool, state: String, delaySeconds: Double?,
                    offsetSeconds: Double?, raisedDB: Double? = nil, clock: Bool = false) {
            self.raisedDB = raisedDB
            self.clock = clock
            self.name = name
            self.device = device
            self.levelDB = levelDB
            self.on = on
            self.state = state
            self.delaySeconds = delaySeconds
            self.offsetSeconds = offsetSeconds
        }

        public var json: JSONObject {
            ["name": .string(name), "device": .string(device), "level_db": .number(levelDB), "on": .bool(on),
             "state": .string(state), "delay_seconds": .optional(delaySeconds), "offset_seconds": .optional(offsetSeconds),
             "raised_db": .optional(raisedDB), "clock": .bool(clock)]
        }

        public init(json o: JSONObject) {
            name = o["name"]?.stringValue ?? "?"
            device = o["device"]?.stringValue ?? ""
            levelDB = o["level_db"]?.doubleValue ?? 0
            on = o["on"]?.boolValue ?? true
            state = o["state"]?.stringValue ?? "playing"
            delaySeconds = o["delay_seconds"]?.doubleValue
            offsetSeconds = o["offset_seconds"]?.doubleValue
            raisedDB = o["raised_db"]?.doubleValue
            clock = o["clock"]?.boolValue ?? false
        }
    }

    public var state: State = .idle
    public var sessionID: String?
    public var plan: String?
    public var client: String?
    public var phase: Phase?
    public var phaseCount = 0
    public var secondsInPhase = 0.0
    public var secondsLeft: Double?
    public var sessionSeconds = 0.0
    public var t0Seconds: Double?
    public var boosters = 0
    public var vitalsDue: VitalsDue?
    public var track: Track?
    public var volumeDB = 0.0
    public var volumeCapDB = 0.0
    public var levelDB: Double?
    public var device = ""
    /// Seconds since the device was lost; nil while it plays.
    public var deviceLostSeconds: Double?
    public var paused = false
    public var heldSeconds = 0.0
    public var calm = false
    public var calmLevelDB: Double?
    public var soundscapeIntensity: Double?
    public var soundscapeBrightness: Double?
    /// Sequence number of the latest event in the session log; 0 when idle.
    public var lastSeq: Int64 = 0
    public var aftercare: Aftercare?
    public var alerts: [VitalAlert] = []
    /// The room's outputs, the clock output first; empty when idle (or from a daemon that does not say).
    public var outputs: [Output] = []

    /// An idle status (no session).
    public init(device: String = "") { self.device = device }

    public var isIdle: Bool { state == .idle }
}

// MARK: Encoding (the daemon)

extension SessionStatus {
    /// The status as the IDL's object, fields in the IDL's order.
    public var json: JSONObject {
        // Built in order into an array: Status is the most frequent call, and
        // setting keys one by one would search the object each time.
        var m: [JSONObject.Member] = []
        m.reserveCapacity(29)
        func put(_ key: String, _ value: JSONValue) { m.append(JSONObject.Member(key: key, value: value)) }
        put("state", .string(state.rawValue))
        put("session_id", .optional(sessionID))
        put("plan", .optional(plan))
        put("client", .optional(client))
        put("phase", phase.map { .object($0.json) } ?? .null)
        put("phase_count", .integer(Int64(phaseCount)))
        put("seconds_in_phase", .number(secondsInPhase))
        put("seconds_left", .optional(secondsLeft))
        put("session_seconds", .number(sessionSeconds))
        put("t0_seconds", .optional(t0Seconds))
        put("boosters", .integer(Int64(boosters)))
        put("vitals_due", vitalsDue.map { .object(["t0_seconds": .optional($0.t0Seconds), "in_seconds": .number($0.inSeconds)]) }
            ?? .null)
        put("track", track.map { .object($0.json) } ?? .null)
        put("volume_db", .number(volumeDB))
        put("volume_cap_db", .number(volumeCapDB))
        put("level_db", .optional(levelDB))
        put("device", .string(device))
        put("device_lost_seconds", .optional(deviceLostSeconds))
        put("paused", .bool(paused))
        put("held_seconds", .number(heldSeconds))
        put("calm", .bool(calm))
        put("calm_level_db", .optional(calmLevelDB))
        put("soundscape_intensity", .optional(soundscapeIntensity))
        put("soundscape_brightness", .optional(soundscapeBrightness))
        put("last_seq", .integer(lastSeq))
        put("aftercare", aftercare.map {
            .object(["music_ended_seconds": .number($0.musicEndedSeconds), "min_after_dose_seconds": .optional($0.minAfterDoseSeconds),
                     "discharge_in_seconds": .number($0.dischargeInSeconds)])
        } ?? .null)
        put("alerts", .array(alerts.map { .object($0.json) }))
        put("outputs", .array(outputs.map { .object($0.json) }))
        return JSONObject(m)
    }
}

extension SessionStatus.Phase {
    public var json: JSONObject {
        [
            "index": .integer(Int64(index)), "name": .string(name), "planned_seconds": .optional(plannedSeconds),
            "until_dose": .bool(untilDose), "source": .string(source), "level_db": .number(levelDB),
            "fade_in_seconds": .number(fadeInSeconds), "fade_out_seconds": .number(fadeOutSeconds),
            "max_hold_seconds": .number(maxHoldSeconds),
        ]
    }
}

extension SessionStatus.Track {
    public var json: JSONObject {
        [
            "path": .string(path), "title": .optional(title), "artist": .optional(artist), "index": .integer(Int64(index)),
            "position_seconds": .number(positionSeconds), "duration_seconds": .optional(durationSeconds),
        ]
    }
}

// MARK: Decoding (clients)

extension SessionStatus {
    /// Reads a status object leniently: unknown fields are ignored, missing or
    /// mistyped ones take their idle values.
    public init(json o: JSONObject) {
        state = State(rawValue: o["state"]?.stringValue ?? "unknown")
        sessionID = o["session_id"]?.stringValue
        plan = o["plan"]?.stringValue
        client = o["client"]?.stringValue
        phase = o["phase"]?.objectValue.map(Phase.init(json:))
        phaseCount = Int(o["phase_count"]?.int64Value ?? 0)
        secondsInPhase = o["seconds_in_phase"]?.doubleValue ?? 0
        secondsLeft = o["seconds_left"]?.doubleValue
        sessionSeconds = o["session_seconds"]?.doubleValue ?? 0
        t0Seconds = o["t0_seconds"]?.doubleValue
        boosters = Int(o["boosters"]?.int64Value ?? 0)
        vitalsDue = o["vitals_due"]?.objectValue.map {
            VitalsDue(t0Seconds: $0["t0_seconds"]?.doubleValue, inSeconds: $0["in_seconds"]?.doubleValue ?? 0)
        }
        track = o["track"]?.objectValue.map(Track.init(json:))
        volumeDB = o["volume_db"]?.doubleValue ?? 0
        volumeCapDB = o["volume_cap_db"]?.doubleValue ?? 0
        levelDB = o["level_db"]?.doubleValue
        device = o["device"]?.stringValue ?? ""
        deviceLostSeconds = o["device_lost_seconds"]?.doubleValue
        paused = o["paused"]?.boolValue ?? false
        heldSeconds = o["held_seconds"]?.doubleValue ?? 0
        calm = o["calm"]?.boolValue ?? false
        calmLevelDB = o["calm_level_db"]?.doubleValue
        soundscapeIntensity = o["soundscape_intensity"]?.doubleValue
        soundscapeBrightness = o["soundscape_brightness"]?.doubleValue
        lastSeq = o["last_seq"]?.int64Value ?? 0
        aftercare = o["aftercare"]?.objectValue.map {
            Aftercare(musicEndedSeconds: $0["music_ended_seconds"]?.doubleValue ?? 0,
                      minAfterDoseSeconds: $0["min_after_dose_seconds"]?.doubleValue,
                      dischargeInSeconds: $0["discharge_in_seconds"]?.doubleValue ?? 0)
        }
        alerts = (o["alerts"]?.arrayValue ?? []).compactMap { $0.objectValue.map(VitalAlert.init(json:)) }
        outputs = (o["outputs"]?.arrayValue ?? []).compactMap { $0.objectValue.map(Output.init(json:)) }
    }
}

extension SessionStatus.Phase {
    public init(json o: JSONObject) {
        index = Int(o["index"]?.int64Value ?? 0)
        name = o["name"]?.stringValue ?? "?"
        plannedSeconds = o["planned_seconds"]?.doubleValue
        untilDose = o["until_dose"]?.boolValue ?? false
        source = o["source"]?.stringValue ?? "playlist"
        levelDB = o["level_db"]?.doubleValue ?? 0
        fadeInSeconds = o["fade_in_seconds"]?.doubleValue ?? 0
        fadeOutSeconds = o["fade_out_seconds"]?.doubleValue ?? 0
        maxHoldSeconds = o["max_hold_seconds"]?.doubleValue ?? 0
    }
}

extension SessionStatus.Track {
    public init(json o: JSONObject) {
        path = o["path"]?.stringValue ?? ""
        title = o["title"]?.stringValue
        artist = o["artist"]?.stringValue
        index = Int(o["index"]?.int64Value ?? 0)
        positionSeconds = o["position_seconds"]?.doubleValue ?? 0
        durationSeconds = o["duration_seconds"]?.doubleValue
    }
}
