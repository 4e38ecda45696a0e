public import InwardCore
public import InwardProtocol

/// `state.json`'s format: a `ResumeState` as one JSON object with snake_case
/// keys, written and read with the project's JSON stack.
///
/// `version` is the format (`ResumeState.currentVersion`); a file of a newer
/// format is not guessed at. `revision` numbers the saves of one daemon's
/// lifetime and onward: the writer never replaces a state with an older one.
extension ResumeState {
    public var json: JSONObject {
        var o: JSONObject = [
            "version": .integer(Int64(version)), "revision": .integer(Int64(bitPattern: revision)),
            "session_id": .string(sessionID), "plan_file": .string(planFile), "plan_sha256": .string(planSHA256),
            "client": .optional(client), "sample_rate": .integer(Int64(sampleRate)), "pace": .number(pace),
            "t0": t0.map { .integer($0) } ?? .null, "boosters": .integer(Int64(boosters)),
            "holds": Self.framesByPhase(holds), "advances": Self.framesByPhase(advances),
            "volume_db": .number(volumeDB), "quiet": .optional(quiet?.rawValue),
        ]
        o["track"] = track.map {
            .object(["phase": .integer(Int64($0.phase)), "entry": .integer(Int64($0.entry)), "start_frame": .integer($0.startFrame)])
        } ?? .null
        o["calm_level_db"] = .optional(calmLevelDB)
        if let c = calmTrack {
            o["calm_track"] = .object(["phase": .integer(Int64(c.phase)), "entry": .integer(Int64(c.entry)),
                                       "start_frame": .integer(c.startFrame)])
        }
        if !playlists.isEmpty {
            o["playlists"] = .array(playlists.map {
                .object(["phase": .integer(Int64($0.phase)), "phase_name": .string($0.phaseName), "file": .string($0.file),
                         "sha256": .string($0.sha256)])
            })
        }
        o["soundscape"] = soundscape.map {
            .object(["phase": .integer(Int64($0.phase)), "intensity": .number($0.intensity), "brightness": .number($0.brightness)])
        } ?? .null
        o["vitals"] = vitals.map { .array($0.map { .number($0) }) } ?? .null
        o["aftercare"] = .bool(aftercare)
        if headphonesOff { o["headphones_off"] = .bool(true) }
        o["outputs"] = .array(outputs.map {
            .object(["name": .string($0.name), "level_db": .number($0.levelDB), "on": .bool($0.on)])
        })
        o["anchor_frame"] = .integer(anchorFrame)
        o["anchor_wall"] = .number(anchorWall)
        return o
    }

    /// What is wrong with a saved state, naming the key.
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(json o: JSONObject) throws(FormatError) {
        func field(_ key: String) throws(FormatError) -> JSONValue {
            guard let v = o[key] else { throw FormatError(description: "no \"\(key)\"") }
            return v
        }
        func string(_ key: String) throws(FormatError) -> String {
            guard let s = try field(key).stringValue else { throw FormatError(description: "\"\(key)\" is not a string") }
            return s
        }
        func integer(_ key: String) throws(FormatError) -> Int64 {
            guard let i = try field(key).int64Value else { throw FormatError(description: "\"\(key)\" is not an integer") }
            return i
        }
        func number(_ key: String) throws(FormatError) -> Double {
            guard let d = try field(key).doubleValue else { throw FormatError(description: "\"\(key)\" is not a number") }
            return d
        }
        let version = Int(try integer("version"))
        guard version <= Self.currentVersion else {
            throw FormatError(description: "format version \(version), written by a newer inwardd (this one reads up to "
                + "\(Self.currentVersion)); start the newer inwardd again, or end the session by hand")
        }
        self.init(sessionID: try string("session_id"), planFile: try string("plan_file"), planSHA256: try string("plan_sha256"),
                  client: o["client"]?.stringValue, sampleRate: Int(try integer("sample_rate")), pace: try number("pace"),
                  anchorFrame: try integer("anchor_frame"), anchorWall: try number("anchor_wall"))
        self.version = version
        revision = UInt64(bitPattern: o["revision"]?.int64Value ?? 0)
        t0 = o["t0"]?.int64Value
        boosters = Int(o["boosters"]?.int64Value ?? 0)
        holds = try Self.framesByPhase(o["holds"], key: "holds")
        advances = try Self.framesByPhase(o["advances"], key: "advances")
        volumeDB = o["volume_db"]?.doubleValue ?? 0
        calmLevelDB = o["calm_level_db"]?.doubleValue
        for item in o["playlists"]?.arrayValue ?? [] {
            guard let p = item.objectValue, let phase = p["phase"]?.int64Value, let file = p["file"]?.stringValue,
                  let sha = p["sha256"]?.stringValue else {
                throw FormatError(description: "\"playlists\" needs phase, file and sha256 in each item")
            }
            playlists.append(PlaylistOverride(phase: Int(phase), phaseName: p["phase_name"]?.stringValue ?? "", file: file, sha256: sha))
        }
        if let l = o["soundscape"]?.objectValue {
            guard let phase = l["phase"]?.int64Value, let i = l["intensity"]?.doubleValue, let b = l["brightness"]?.doubleValue else {
                throw FormatError(description: "\"soundscape\" needs phase, intensity and brightness")
            }
            soundscape = LiveSoundscape(phase: Int(phase), intensity: i, brightness: b)
        }
        if let name = o["quiet"]?.stringValue {
            guard let value = Quiet(rawValue: name) else { throw FormatError(description: "\"quiet\" is \"\(name)\"") }
            quiet = value
        }
        if let t = o["track"]?.objectValue {
            guard let phase = t["phase"]?.int64Value, let entry = t["entry"]?.int64Value, let start = t["start_frame"]?.int64Value
            else { throw FormatError(description: "\"track\" needs phase, entry and start_frame") }
            track = TrackPosition(phase: Int(phase), entry: Int(entry), startFrame: start)
        }
        // Optional within format 3: a daemon that does not know it resumes calm's playlist from its start.
        if let t = o["calm_track"]?.objectValue {
            guard let phase = t["phase"]?.int64Value, let entry = t["entry"]?.int64Value, let start = t["start_frame"]?.int64Value
            else { throw FormatError(description: "\"calm_track\" needs phase, entry and start_frame") }
            calmTrack = TrackPosition(phase: Int(phase), entry: Int(entry), startFrame: start)
        }
        vitals = o["vitals"]?.arrayValue?.compactMap(\.doubleValue)
        aftercare = o["aftercare"]?.boolValue ?? false
        headphonesOff = o["headphones_off"]?.boolValue ?? false
        // Files from before outputs have none: every output at its configured level.
        outputs = try (o["outputs"]?.arrayValue ?? []).map { v throws(FormatError) in
            guard let t = v.objectValue, let name = t["name"]?.stringValue, let db = t["level_db"]?.doubleValue else {
                throw FormatError(description: "\"outputs\" needs name and level_db in each")
            }
            return OutputSetting(name: name, levelDB: db, on: t["on"]?.boolValue ?? true)
        }
    }

    /// Phase index to frames, as an object keyed by the index ("2": 48000).
    private static func framesByPhase(_ table: [Int: Int64]) -> JSONValue {
        .object(JSONObject(table.keys.sorted().map { JSONObject.Member(key: String($0), value: .integer(table[$0]!)) }))
    }

    private static func framesByPhase(_ value: JSONValue?, key: String) throws(FormatError) -> [Int: Int64] {
        guard let value, !value.isNull else { return [:] }
        // Version 1 files written by Foundation's encoder hold an [Int: Int64] as [k, v, k, v, ...].
        if let flat = value.arrayValue {
            guard flat.count % 2 == 0 else { throw FormatError(description: "\"\(key)\" has an odd number of items") }
            var table: [Int: Int64] = [:]
            for i in stride(from: 0, to: flat.count, by: 2) {
                guard let k = flat[i].int64Value, let v = flat[i + 1].int64Value else {
                    throw FormatError(description: "\"\(key)\" holds something other than integers")
                }
                table[Int(k)] = v
            }
            return table
        }
        guard let object = value.objectValue else { throw FormatError(description: "\"\(key)\" is not an object") }
        var table: [Int: Int64] = [:]
        for m in object {
            guard let k = Int(m.key), let v = m.value.int64Value else {
                throw FormatError(description: "\"\(key)\" maps \"\(m.key)\" to something other than frames")
            }
            table[k] = v
        }
        return table
    }
}
