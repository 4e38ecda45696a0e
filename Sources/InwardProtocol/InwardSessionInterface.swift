/// The `io.inward.Session` Varlink interface. `description` (the IDL) is the single
/// source of truth; the method and error name lists here are read from it.
public enum InwardSessionInterface {
    public static let name = "io.inward.Session"

    /// The interface description in Varlink IDL, as returned by
    /// `org.varlink.service.GetInterfaceDescription("io.inward.Session")`.
    public static let description = #"""
# Inward sets and keeps the sound environment of a ketamine-assisted psychotherapy
# session. One daemon, inwardd, plays a session plan (phases of music playlists,
# generated soundscapes or silence) through ALSA, with slow fades and never an
# abrupt change. This interface starts and steers the session.
#
# Conventions. Times are seconds (float). Session time counts from Start on the
# audio sample clock. T0 is the first dose; T0-relative times are null before it.
# Levels and volumes are dB; levels are dBFS. Every control is an event in the
# session log. The optional "by" parameter says who asked (e.g. "therapist",
# "cli", a script's name) and is recorded with the event.
interface io.inward.Session

# What the daemon is doing.
#   idle: no session; Start one.
#   waiting_for_dose: a session is playing the phase that lasts until the dose.
#   playing: a session is playing by the plan.
#   paused: the music is faded down by Pause; the session clock runs on.
#   silenced: Silence faded the output to silence; Resume brings it back.
#   stopping: Stop (or a signal) is fading out the music.
#   aftercare: the music has ended after a dose; the record stays open (marks,
#     vitals, assessments and boosters go on being recorded, the T+ clock runs)
#     until Discharge.
type State (idle, waiting_for_dose, playing, paused, silenced, stopping, aftercare)

# Where a phase's sound comes from.
#   playlist: an M3U/M3U8 playlist of audio files (a soundscape takes over if it
#     runs out or fails, so the room is never left in unplanned silence).
#   soundscape: a built-in generated soundscape.
#   silence: planned silence.
type SourceKind (playlist, soundscape, silence)

# How the medicine is given; it sets the plan's expected timing.
type Route (im, iv, sublingual, intranasal, other)

# One phase of the plan, as the session plays it.
type Phase (
  # Position in the plan, from 0.
  index: int,
  # Name from the plan (arrival, onset, peak, return, ...).
  name: string,
  # Length from the plan in seconds, without holds; null when the phase lasts
  # until the dose.
  planned_seconds: ?float,
  # True for the phase that lasts until the dose is marked.
  until_dose: bool,
  # What the phase plays.
  source: SourceKind,
  # The phase's level, dBFS (never above the plan's cap).
  level_db: float,
  # Fade from silence when the phase begins, seconds.
  fade_in_seconds: float,
  # Fade to silence when the phase ends, seconds (overlaps the next fade-in).
  fade_out_seconds: float,
  # The most Hold may extend this phase by, in total, seconds (0: no holds).
  max_hold_seconds: float
)

# The audio file playing now.
type Track (
  # Path of the file as resolved from the playlist.
  path: string,
  # Title from the file's tags, null when it has none.
  title: ?string,
  # Artist from the file's tags, null when it has none.
  artist: ?string,
  # Position in the phase's playlist, from 0.
  index: int,
  # Seconds of this track played so far.
  position_seconds: float,
  # Length of the track in seconds, null when unknown.
  duration_seconds: ?float
)

# A vital-signs reading the plan's [vitals] schedule asks for.
type VitalsDue (
  # When it is due on the T+ clock, seconds; null for the reading before the dose.
  t0_seconds: ?float,
  # Seconds until it is due; 0 or less once it is due (overdue by that much).
  in_seconds: float
)

# Aftercare: the record after the music, until discharge.
type Aftercare (
  # Session time the music ended, seconds.
  music_ended_seconds: float,
  # The plan's least aftercare after the first dose, on the T+ clock, seconds;
  # null when the plan sets none.
  min_after_dose_seconds: ?float,
  # Seconds until Discharge is allowed without "early"; 0 once it is.
  discharge_in_seconds: float
)

# A vital sign outside the plan's alert limits, from the latest reading of that
# sign; it stands until a later reading of the same sign is within them.
type VitalAlert (
  # The vital sign: systolic, diastolic, heart_rate, spo2, respiratory_rate, temperature.
  field: string,
  # Which limit was passed, e.g. "systolic_high", "spo2_low".
  code: string,
  # The reading.
  value: float,
  # The limit it passed.
  threshold: float,
  # What to tell the therapist, e.g. "systolic 230 mmHg is at or above 180 mmHg".
  message: string
)

# One output of the room (headphones, speakers): every output plays the
# session in step with the first, each at its own level.
type Output (
  # The output's name in the room's config ("main" for a single device).
  name: string,
  # The ALSA PCM it plays to.
  device: string,
  # Its own level, dB relative to the plan and the master volume.
  level_db: float,
  # dB it plays above level_db while the headphones are off (the plan's
  # [headphones_off] raise_db, after mark headphones-off); null when not raised.
  raised_db: ?float,
  # False while SetOutput has switched it off.
  on: bool,
  # playing, aligning (silent until in step with the first output), lost.
  state: string,
  # True for the output pacing the session: the first, or while it is lost
  # (or aligning after it came back) the output that took the clock over.
  clock: bool,
  # The device's delay last measured (written, not yet heard), seconds; null
  # before the first measurement or when the device cannot say.
  delay_seconds: ?float,
  # How far it lags the first output (negative: leads), seconds, smoothed;
  # null for the first output, or unmeasured.
  offset_seconds: ?float
)

# The state of the daemon and its session, at the moment of the reply.
type SessionStatus (
  # What the daemon is doing.
  state: State,
  # The session's id (its log is STATE/sessions/<session_id>.jsonl); null when idle.
  session_id: ?string,
  # Name of the plan being played; null when idle.
  plan: ?string,
  # Pseudonymous client code given to Start (never a name); null when none or idle.
  client: ?string,
  # The current phase; null when idle.
  phase: ?Phase,
  # Number of phases in the plan; 0 when idle.
  phase_count: int,
  # Seconds since the current phase began; 0 when idle.
  seconds_in_phase: float,
  # Seconds until the current phase ends, holds included; null when the phase
  # lasts until the dose, or when idle.
  seconds_left: ?float,
  # Session time: seconds since Start; 0 when idle.
  session_seconds: float,
  # Seconds since the first dose (the T+ clock); null before the dose, or when idle.
  t0_seconds: ?float,
  # Number of boosters marked after T0.
  boosters: int,
  # The reading owed first under the plan's [vitals] schedule; null when the
  # plan has none, nothing more is owed, or when idle. Mark vitals to meet it.
  vitals_due: ?VitalsDue,
  # The track playing now; null when the phase plays a soundscape or silence.
  track: ?Track,
  # Master volume set by SetVolume, dB relative to the plan (0: as planned).
  volume_db: float,
  # The plan's level cap, dBFS: no phase, volume or output goes above it.
  volume_cap_db: float,
  # The current phase's planned level (its level_db), dB; null between
  # phases or when idle.
  level_db: ?float,
  # The ALSA PCM device the daemon plays to (e.g. "default", "hw:1,0").
  device: string,
  # Seconds since the device was lost (writes to it failed): the session goes
  # on by the wall clock and the device is retried every second. Null while
  # it plays, or when idle.
  device_lost_seconds: ?float,
  # True while Pause holds the music down.
  paused: bool,
  # Seconds Hold has added to the current phase so far.
  held_seconds: float,
  # True while Calm holds the plan's calm harbour (Resume goes back); the clock
  # and phases run on underneath.
  calm: bool,
  # The level calm plays at, dBFS; null when not in calm.
  calm_level_db: ?float,
  # The playing soundscape's intensity and brightness (0 to 1, calm's while in
  # calm); null when no soundscape plays.
  soundscape_intensity: ?float,
  soundscape_brightness: ?float,
  # Sequence number of the latest event in the session log; 0 when idle.
  last_seq: int,
  # Aftercare, once the music has ended after a dose; null otherwise.
  aftercare: ?Aftercare,
  # Vital signs standing outside their alert limits; empty when none.
  alerts: []VitalAlert,
  # The room's outputs, the first (the clock) first; empty when idle.
  outputs: []Output
)

# One event of the session log, as Monitor streams it.
type Event (
  # Sequence number in the session log: 1 for session.start, then without gaps.
  seq: int,
  # What happened: session.start, session.resume, session.end, dose, booster,
  # phase.start, phase.end, track.start, track.end, track.failed,
  # soundscape.takeover, control.* (pause, resume, silence, hold, next, skip,
  # volume, stop), mark.* (vitals, statement, adverse_event, assessment,
  # correction, ready_to_leave, ...), music.end, device.error, device.restored,
  # output.clock, audio.underrun, audio.xrun, plan.warning
  # (docs/daemon.md lists them with their fields).
  kind: string,
  # Wall-clock time, RFC 3339 in UTC with milliseconds.
  time: string,
  # Session time of the event, seconds.
  session_seconds: float,
  # T0-relative time of the event, seconds; null before the dose.
  t0_seconds: ?float,
  # Name of the phase the event happened in; null outside a session.
  phase: ?string,
  # The event's own fields, e.g. {"by": "therapist", "db": -6.0} for a volume change.
  fields: object
)

# A plan the daemon can play.
type PlanInfo (
  # Name to pass to Start.
  name: string,
  # Path of the plan file.
  file: string,
  # The plan's description.
  description: string,
  # The route of administration the plan is timed for.
  route: Route,
  # Phase names in order.
  phases: []string,
  # Planned length in seconds, from T0 to the end, without holds; null when the
  # plan is invalid.
  planned_seconds: ?float,
  # False when the plan file does not pass validation (Start would fail).
  valid: bool,
  # Why the plan is invalid ("file:line: message"); null when valid.
  problem: ?string
)

# Start a session: play a plan from its first phase and open its log.
method Start(
  # A plan name from ListPlans, or the path of a plan file in the daemon's plan folders.
  plan: string,
  # Pseudonymous client code for the log (never a name); letters, digits, "-" and "_".
  client: ?string,
  # The client's own playlists for this session, by phase name: an M3U/M3U8
  # file (absolute path) that the phase plays instead of the plan's source.
  # Each file and its tracks must be inside the plan folders or the daemon's
  # music folders; InvalidParameter says where they are otherwise.
  playlists: ?[string]string
) -> (
  # The new session's id.
  session_id: string,
  # The state right after the start.
  status: SessionStatus,
  # The plan's warnings ("file:line: message"): playlist entries that cannot
  # be played, empty playlists, fades longer than their phase.
  warnings: []string
)

# Mark a dose. The first dose is T0: post-dose phases are timed from it. Later
# doses are boosters: logged, and they do not move T0.
method Dose(
  # How it was given (im, iv, sublingual, intranasal, other); the plan's route
  # when null. Another route than the plan's needs other_route.
  route: ?string,
  # Amount, as written by the therapist (e.g. "0.5 mg/kg"); for intranasal
  # devices, null to take the plan's amount per device times devices.
  amount: ?string,
  # Lot number of the medicine, for the record.
  lot: ?string,
  # True for a dose after T0. Without it, a second dose is refused with
  # DoseAlreadyMarked, so a repeated command cannot record a phantom booster.
  booster: ?bool,
  # Intranasal devices given in this dose (1 or more).
  devices: ?int,
  # True to record a route other than the plan's.
  other_route: ?bool
) -> (
  # True when this dose set T0.
  t0: bool,
  # True when this dose was a booster (T0 was already set).
  booster: bool,
  # The state right after the dose.
  status: SessionStatus
)

# The current state.
method Status() -> (status: SessionStatus)

# Follow the session. Call with "more": the first reply carries the current
# status (event null); then one reply per event as it happens, with the event and
# the status right after it. The stream spans sessions and ends (a reply without
# "continues") only when the daemon shuts down. Without "more":
# org.varlink.service.ExpectedMore.
method Monitor() -> (
  # The state: at the call (first reply) or right after the event.
  status: ?SessionStatus,
  # The event; null in the first reply.
  event: ?Event
)

# Fade the music down (the plan's pause fade); the session clock runs on and
# phase boundaries stay where they were. Pausing when paused does nothing.
method Pause(
  # Who asked, for the log.
  by: ?string
) -> (status: SessionStatus)

# Fade the music back up after Pause or Silence. Resuming when playing does nothing.
method Resume(
  # Who asked, for the log.
  by: ?string
) -> (status: SessionStatus)

# Extend the current phase: its end and every later boundary move by exactly
# the given seconds. Holds add up to at most the phase's max_hold_seconds.
method Hold(
  # Seconds to add; more than 0.
  seconds: float,
  # Who asked, for the log.
  by: ?string
) -> (
  # Seconds added to this phase so far, this hold included.
  held_seconds: float,
  # The phase's limit.
  max_seconds: float
)

# End the current phase now and move to the next one with the plan's fades.
method Next(
  # Who asked, for the log.
  by: ?string
) -> (
  # The phase left and the one that comes, by name, and the index of the one
  # that comes (0-based). The status may already show either: the change is
  # heard within the output's latency.
  from: string,
  to: string,
  to_index: int,
  status: SessionStatus
)

# Crossfade from the current track to the next one in the playlist.
method Skip(
  # Who asked, for the log.
  by: ?string
) -> (status: SessionStatus)

# Set the master volume, ramped (never a jump), clamped so the output stays
# under the plan's cap.
method SetVolume(
  # Volume relative to the plan, dB (0 = as planned, -6 = half as loud in amplitude).
  db: float,
  # Who asked, for the log.
  by: ?string
) -> (
  # The volume now being ramped to, dB.
  volume_db: float,
  # True when the request was clamped to the cap.
  clamped: bool
)

# Set one output's own level, or switch it off and on (headphones down, the
# speakers off while the client listens alone). Ramped under the same speed
# bounds as the master volume; the other outputs do not change. The plan's cap
# holds on every output.
method SetOutput(
  # The output's name (Status lists them).
  output: string,
  # Its level relative to the plan and the master volume, dB (-60 to +12);
  # null to keep it.
  db: ?float,
  # False fades it out, true brings it back at its level; null to keep it.
  on: ?bool,
  # Who asked, for the log.
  by: ?string
) -> (
  output: string,
  # The level now being ramped to, dB.
  level_db: float,
  on: bool,
  # True when the request was clamped to -60 ... +12 dB.
  clamped: bool
)

# Silence now: a gentle fade to silence over at most 3 s. Resume brings the
# sound back; the session clock runs on.
method Silence(
  # Who asked, for the log.
  by: ?string
) -> (status: SessionStatus)

# Add a therapist's mark to the session log.
method Mark(
  # What it is: note, vitals, assessment, statement, adverse_event,
  # eyeshades_on, eyeshades_off, headphones_off, headphones_on, bathroom,
  # ready_to_leave, correction, other.
  kind: string,
  # Free text, e.g. what the client said.
  text: ?string,
  # Structured fields. vitals: systolic, diastolic (or bp "120/80"),
  # heart_rate, spo2, respiratory_rate, temperature, as numbers, each checked
  # against what is physically possible; assessment: sedation and
  # dissociation (none, mild, moderate, severe) and respiratory (normal,
  # depressed); correction: of (the seq of the mark or dose it corrects) and
  # reason.
  fields: ?object
) -> (
  # The mark's sequence number in the log.
  seq: int,
  # For vitals: the alerts this reading raised (empty when none).
  alerts: []VitalAlert
)

# Stop the music: fade out. Once a dose is marked the record stays open in
# aftercare until Discharge; before a dose, session.end closes the log. The
# daemon stays up.
method Stop(
  # Who asked, for the log.
  by: ?string
) -> (status: SessionStatus)

# Close the record of a session in aftercare: session.end with reason
# "discharged", the T+ time and who. Before the plan's least aftercare after
# the first dose it needs early and a reason.
method Discharge(
  # A note for the record.
  note: ?string,
  # True to discharge before the plan's least aftercare.
  early: ?bool,
  # Why, when early.
  reason: ?string
) -> (status: SessionStatus)

# The plans in the daemon's plan folders, valid or not.
method ListPlans() -> (plans: []PlanInfo)

# Crossfade to the plan's calm harbour within 8 s, however the phase stands, at
# the lower of the calm level and the level playing now; the clock and phases run
# on underneath. Resume crossfades back to the phase current by then. Calm when
# in calm does nothing.
method Calm(
  # Who asked, for the log.
  by: ?string
) -> (
  # The level calm plays at, dBFS.
  level_db: float,
  status: SessionStatus
)

# Change the playing soundscape's intensity (calm's while in calm) smoothly
# over over_seconds (default 30; at least 2, within the level speed limit),
# within 0 to 1.
method Intensity(
  # The new value, or the change when relative is true.
  value: float,
  relative: ?bool,
  over_seconds: ?float,
  # Who asked, for the log.
  by: ?string
) -> (from: float, to: float, status: SessionStatus)

# Change the playing soundscape's brightness (calm's while in calm) smoothly
# over over_seconds (default 30; at least 2, within the level speed limit),
# within 0 to 1.
method Brightness(
  # The new value, or the change when relative is true.
  value: float,
  relative: ?bool,
  over_seconds: ?float,
  # Who asked, for the log.
  by: ?string
) -> (from: float, to: float, status: SessionStatus)

# No session is running: Start one first.
error NoSession ()

# A session is already running, or its record is open in aftercare: Stop it,
# or Discharge it, before starting another.
error SessionActive (session_id: string, state: State)

# The plan has no [calm] harbour: add one (docs/plans.md) to use Calm.
error NoCalm (plan: string)

# No soundscape is playing now (a playlist or silence): Intensity and Brightness
# change only a soundscape (or calm's).
error NoSoundscape ()

# The plan file is not valid.
error PlanInvalid (
  # The plan file.
  file: string,
  # Line of the problem, when known.
  line: ?int,
  # The key at fault (e.g. "phase[2].level_db"), when known.
  key: ?string,
  # What is wrong and how to fix it.
  message: string
)

# No plan of that name in the plan folders, and no such file.
error PlanNotFound (
  plan: string,
  # The closest plan name in the plan folders, when one is close.
  nearest: ?string
)

# The sound device cannot be opened or failed.
error DeviceUnavailable (
  # The ALSA PCM name.
  device: string,
  # ALSA's reason (e.g. "Device or resource busy").
  reason: string
)

# A parameter is out of range or malformed (a missing or mistyped one is
# org.varlink.service.InvalidParameter).
error InvalidParameter (
  # The parameter's name.
  parameter: string,
  # What is wrong with it.
  reason: string
)

# The hold would take the phase past its maximum extension.
error HoldLimit (
  # Seconds already held in this phase.
  held_seconds: float,
  # The phase's maximum.
  max_seconds: float
)

# A dose cannot be marked now: the session is stopping.
error NotWaitingForDose (state: State)

# Next was called in the phase that lasts until the dose: mark the dose with
# Dose instead (post-dose phases are timed from it).
error WaitingForDose ()

# A dose is already marked (T0) and this one does not say booster: true.
error DoseAlreadyMarked (
  # When the first dose was marked, RFC 3339 UTC.
  time: string,
  # Seconds since it, on the T+ clock.
  t0_seconds: float
)

# The dose's route is not the plan's: say other_route: true to record it anyway.
error RouteMismatch (plan_route: Route, route: string)

# The music has ended (aftercare): only marks, vitals, doses and Discharge remain.
error InAftercare ()

# Discharge while the music plays: Stop first.
error MusicPlaying (state: State)

# Discharge before the plan's least aftercare after the first dose, without early.
error DischargeTooEarly (
  # Seconds since the first dose.
  t0_seconds: float,
  # When discharge is allowed, on the T+ clock.
  allowed_at_t0_seconds: float
)

# A correction names a sequence number that is not a mark or dose of this session.
error NoSuchMark (seq: int)

# Next was called in the last phase: use Stop to end the session.
error NoNextPhase ()

# Skip was called while the phase plays a soundscape or silence: there is no track.
error NothingToSkip ()

# The event could not be written to the session log, so the control was not
# carried out.
error LogWriteFailed (path: string, reason: string)

# The daemon already serves its maximum number of clients; try again later.
error TooManyClients (max_clients: int)

# A message was longer than the limit; the connection is closed.
error MessageTooLarge (max_bytes: int)

# A message was not valid JSON or not a valid Varlink call; the connection is closed.
error MalformedMessage (
  # What was wrong.
  reason: string,
  # Byte offset of the problem in the message, when known.
  offset: ?int
)
"""#

    /// Method names declared in `description`, in order.
    public static let methods: [String] = declaredNames("method")

    /// Error names declared in `description` (unqualified), in order.
    public static let errors: [String] = declaredNames("error")

    /// Fully qualified name of one of this interface's errors.
    public static func errorName(_ error: String) -> String { "\(name).\(error)" }

    /// Whether `method` (unqualified) is declared by the interface.
    public static func hasMethod(_ method: Substring) -> Bool { methods.contains { $0 == method } }

    /// Each method's parameter names, read from its signature in `description`
    /// (`method Name(\n  # comment\n  param: type,\n ...) -> (...)`).
    public static let parameterNames: [String: Set<String>] = {
        var table: [String: Set<String>] = [:]
        var lines = description.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.popFirst() {
            guard line.hasPrefix("method ") else { continue }
            let name = String(line.dropFirst("method ".count).prefix { $0.isLetter || $0.isNumber })
            var names: Set<String> = []
            // The input list runs from the first "(" to the ")" that closes it.
            var text = line.drop { $0 != "(" }.dropFirst()
            while true {
                let code = text.prefix { $0 != "#" }   // comments may hold parentheses
                if let close = code.firstIndex(of: ")") {
                    names.formUnion(parameters(in: code[..<close]))
                    break
                }
                names.formUnion(parameters(in: code))
                guard let following = lines.popFirst() else { break }
                text = following
            }
            table[name] = names
        }
        return table
    }()

    private static func parameters(in code: Substring) -> [String] {
        code.split(separator: ",").compactMap { field in
            let trimmed = field.drop { $0 == " " }
            guard let colon = trimmed.firstIndex(of: ":") else { return nil }
            var name = trimmed[..<colon]
            while name.last == " " { name = name.dropLast() }
            return name.isEmpty ? nil : String(name)
        }
    }

    private static func declaredNames(_ keyword: String) -> [String] {
        var names: [String] = []
        let prefix = keyword + " "
        for line in description.split(separator: "\n") where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count)
            names.append(String(rest.prefix { $0.isLetter || $0.isNumber }))
        }
        return names
    }

    /// Replies for this interface's errors.
    public enum Errors {
        public static func noSession() -> VarlinkReply { .error(errorName("NoSession")) }

        public static func noCalm(plan: String) -> VarlinkReply { .error(errorName("NoCalm"), ["plan": .string(plan)]) }

        public static func noSoundscape() -> VarlinkReply { .error(errorName("NoSoundscape")) }

        public static func sessionActive(sessionID: String, state: String) -> VarlinkReply {
            .error(errorName("SessionActive"), ["session_id": .string(sessionID), "state": .string(state)])
        }

        public static func doseAlreadyMarked(time: String, t0Seconds: Double) -> VarlinkReply {
            .error(errorName("DoseAlreadyMarked"), ["time": .string(time), "t0_seconds": .number(t0Seconds)])
        }

        public static func routeMismatch(planRoute: String, route: String) -> VarlinkReply {
            .error(errorName("RouteMismatch"), ["plan_route": .string(planRoute), "route": .string(route)])
        }

        public static func inAftercare() -> VarlinkReply { .error(errorName("InAftercare")) }

        public static func musicPlaying(state: String) -> VarlinkReply {
            .error(errorName("MusicPlaying"), ["state": .string(state)])
        }

        public static func dischargeTooEarly(t0Seconds: Double, allowedAt: Double) -> VarlinkReply {
            .error(errorName("DischargeTooEarly"), ["t0_seconds": .number(t0Seconds), "allowed_at_t0_seconds": .number(allowedAt)])
        }

        public static func noSuchMark(seq: Int64) -> VarlinkReply { .error(errorName("NoSuchMark"), ["seq": .integer(seq)]) }

        public static func planInvalid(file: String, line: Int?, key: String?, message: String) -> VarlinkReply {
            .error(errorName("PlanInvalid"), [
                "file": .string(file), "line": .optional(line), "key": .optional(key), "message": .string(message),
            ])
        }

        public static func planNotFound(plan: String, nearest: String? = nil) -> VarlinkReply {
            .error(errorName("PlanNotFound"), ["plan": .string(plan), "nearest": .optional(nearest)])
        }

        public static func deviceUnavailable(device: String, reason: String) -> VarlinkReply {
            .error(errorName("DeviceUnavailable"), ["device": .string(device), "reason": .string(reason)])
        }

        public static func invalidParameter(_ parameter: String, reason: String) -> VarlinkReply {
            .error(errorName("InvalidParameter"), ["parameter": .string(parameter), "reason": .string(reason)])
        }

        public static func holdLimit(heldSeconds: Double, maxSeconds: Double) -> VarlinkReply {
            .error(errorName("HoldLimit"), ["held_seconds": .number(heldSeconds), "max_seconds": .number(maxSeconds)])
        }

        /// `state` is a `State` enum value ("stopping", ...).
        public static func notWaitingForDose(state: String) -> VarlinkReply {
            .error(errorName("NotWaitingForDose"), ["state": .string(state)])
        }

        public static func waitingForDose() -> VarlinkReply { .error(errorName("WaitingForDose")) }
        public static func noNextPhase() -> VarlinkReply { .error(errorName("NoNextPhase")) }
        public static func nothingToSkip() -> VarlinkReply { .error(errorName("NothingToSkip")) }

        public static func logWriteFailed(path: String, reason: String) -> VarlinkReply {
            .error(errorName("LogWriteFailed"), ["path": .string(path), "reason": .string(reason)])
        }

        public static func tooManyClients(maxClients: Int) -> VarlinkReply {
            .error(errorName("TooManyClients"), ["max_clients": .integer(Int64(maxClients))])
        }

        public static func messageTooLarge(maxBytes: Int) -> VarlinkReply {
            .error(errorName("MessageTooLarge"), ["max_bytes": .integer(Int64(maxBytes))])
        }

        public static func malformedMessage(reason: String, offset: Int?) -> VarlinkReply {
            .error(errorName("MalformedMessage"), ["reason": .string(reason), "offset": .optional(offset)])
        }
    }
}
