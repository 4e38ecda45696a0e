@testable import InwardDaemon
import InwardProtocol
import Testing

/// `audio.loudness` in the journal: its kind and time, as the allow-list
/// builds every MESSAGE, and none of its values.
@Suite("journal mirror: audio.loudness")
struct HeardLoudnessMirrorTests {
    @Test("audio.loudness reaches the journal as kind and time only")
    func kindAndTimeOnly() {
        let event = TimelineLogTests.event(70, "audio.loudness",
                                           fields: ["frame": 480_000, "interval_seconds": 10, "lufs": [-23.4, nil, -31.7]])
        let fields = JournalMirror.fields(event, session: "s", lineHash: "h", room: nil)
        let message = fields.first { $0.key == "MESSAGE" }?.value
        #expect(message == "audio loudness at 00:01:10 into the session")
        #expect(fields.first { $0.key == "PRIORITY" }?.value == "6")
        let all = fields.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        #expect(!all.contains("23.4") && !all.contains("31.7") && !all.contains("480000"), "\(all)")
    }
}
