import Foundation
@testable import InwardTestSupport
import InwardDaemon
import Testing

@Suite("ControlServer: the Python varlink package as an independent client")
struct InteropTests {
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("python3 -m varlink.cli info and help talk to the server")
    func pythonVarlink() throws {
        let check = try run(["-c", "import varlink"])
        try #require(check.status == 0, """
            the Python varlink package is required for this test (pip install varlink): \
            python3 -c 'import varlink' failed: \(check.output)
            """)
        let server = try TestServer()
        defer { server.stop() }

        let info = try run(["-m", "varlink.cli", "info", "unix:\(server.path)"])
        #expect(info.status == 0, "varlink.cli info: \(info.output)")
        #expect(info.output.contains("io.inward.Session"), "\(info.output)")
        #expect(info.output.contains("Inward"), "\(info.output)")

        let help = try run(["-m", "varlink.cli", "help", "unix:\(server.path)/io.inward.Session"])
        #expect(help.status == 0, "varlink.cli help: \(help.output)")
        #expect(help.output.contains("interface io.inward.Session"), "\(help.output.prefix(500))")

        // varlink.cli call checks the method against the interface description first,
        // so call one the server describes (io.inward.Test has no description).
        let call = try run(["-m", "varlink.cli", "call", "unix:\(server.path)/org.varlink.service.GetInfo", "{}"])
        #expect(call.status == 0, "varlink.cli call: \(call.output)")
        #expect(call.output.contains("9.9.9-test"), "\(call.output)")
        #expect(waitUntil(timeout: 20) { server.server.clientCount == 0 })
    }
}
