@testable import InwardTestSupport
import Foundation
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Waiting on a paced daemon's session (its clock, its state), for the system tests.
extension VarlinkTestClient {
    /// The `status` object of a Status call.
    func sessionStatus() throws -> JSONObject {
        try call(.status).object["status"]?.objectValue ?? [:]
    }

    /// Polls until the session clock (the T+ clock when `sinceDose`) reaches
    /// `seconds`; returns the clock it saw. Fails after a minute.
    @discardableResult
    func waitForClock(_ seconds: Double, sinceDose: Bool = false) throws -> Double {
        let deadline = Date().addingTimeInterval(TestTime.scaled(60))
        while Date() < deadline {
            let s = try sessionStatus()
            if let now = (sinceDose ? s["t0_seconds"] : s["session_seconds"])?.doubleValue, now >= seconds { return now }
            usleep(5_000)
        }
        throw DaemonHarness.Failure(description: "the session clock never reached \(seconds) s")
    }

    /// Polls until the session is in `state` (idle, waiting, playing,
    /// aftercare, ...) for at most `seconds` (times `TestTime.scale`); returns
    /// the last status seen, so the caller's expectation shows it.
    @discardableResult
    func waitForState(_ state: String, seconds: Double = 30) throws -> JSONObject {
        var status = try sessionStatus()
        _ = try waitUntil(timeout: seconds) {
            status = try sessionStatus()
            return status["state"]?.stringValue == state
        }
        return status
    }
}
