import Foundation
@testable import InwardTestSupport
import InwardDaemon
import InwardProtocol
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("ControlServer: calls and replies")
struct ControlServerCallTests {
    @Test("org.varlink.service GetInfo and GetInterfaceDescription, unknown methods and interfaces")
    func service() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()

        let info = try #require(client.exchange(#"{"method":"org.varlink.service.GetInfo"}"#))
        #expect(info.error == nil)
        #expect(info["vendor"] == "Inward")
        #expect(info["product"] == "inwardd")
        #expect(info["version"] == "9.9.9-test")
        #expect(info["interfaces"] == ["org.varlink.service", "io.inward.Session"])
        #expect(info.continues == false)

        let description = try #require(client.exchange(
            #"{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.inward.Session"}}"#))
        #expect(description.error == nil)
        #expect(description["description"] == .string(InwardSessionInterface.description))

        let missing = try #require(client.exchange(
            #"{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"com.example.Nope"}}"#))
        #expect(missing.error == "org.varlink.service.InterfaceNotFound")

        let serviceUnknown = try #require(client.exchange(#"{"method":"org.varlink.service.Ping"}"#))
        #expect(serviceUnknown.error == "org.varlink.service.MethodNotFound")
        #expect(serviceUnknown["method"] == "org.varlink.service.Ping")

        let handlerUnknown = try #require(client.exchange(#"{"method":"io.inward.Test.Nope"}"#))
        #expect(handlerUnknown.error == "org.varlink.service.MethodNotFound")
        #expect(handlerUnknown["method"] == "io.inward.Test.Nope")

        let unknownInterface = try #require(client.exchange(#"{"method":"com.example.Nope.Call"}"#))
        #expect(unknownInterface.error == "org.varlink.service.InterfaceNotFound")
        #expect(unknownInterface["interface"] == "com.example.Nope")

        let echo = try #require(client.exchange(#"{"method":"io.inward.Test.Echo","parameters":{"a":[1,2.5,"x",null]}}"#))
        #expect(echo.error == nil)
        #expect(echo["a"] == [1, 2.5, "x", nil])

        // The connection is still usable after error replies.
        #expect(client.exchange(#"{"method":"org.varlink.service.GetInfo"}"#)?["vendor"] == "Inward")
    }

    @Test("each call carries the caller's kernel credentials and whether it came in on the read-only socket")
    func peerCredentials() throws {
        let server = try TestServer(observerSocket: true)
        defer { server.stop() }
        let staff = try server.client()
        let mine = try #require(staff.exchange(#"{"method":"io.inward.Test.Whoami"}"#)?.parameters)
        #expect(mine["uid"]?.int64Value == Int64(getuid()))
        #expect(mine["pid"]?.int64Value == Int64(getpid()))
        #expect(mine["read_only"]?.boolValue == false)
        #expect(mine["user"]?.stringValue == String(cString: getpwuid(getuid())!.pointee.pw_name))
        let observer = try VarlinkTestClient(path: server.observePath, timeout: 20)
        let theirs = try #require(observer.exchange(#"{"method":"io.inward.Test.Whoami"}"#)?.parameters)
        #expect(theirs["read_only"]?.boolValue == true)
        #expect(theirs["uid"]?.int64Value == Int64(getuid()))
        // The staff connection is still what it was.
        #expect(staff.exchange(#"{"method":"io.inward.Test.Whoami"}"#)?.parameters?["read_only"]?.boolValue == false)
    }

    @Test("100 pipelined calls in one send are answered completely and in order")
    func pipelining() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        var batch: [UInt8] = []
        for i in 0..<100 {
            let json = i % 10 == 9
                ? #"{"method":"org.varlink.service.GetInfo"}"#
                : #"{"method":"io.inward.Test.Echo","parameters":{"n":\#(i)}}"#
            batch += Array(json.utf8) + [0]
        }
        #expect(client.send(batch))
        for i in 0..<100 {
            let reply = try #require(client.reply(), "reply \(i) missing")
            if i % 10 == 9 {
                #expect(reply["vendor"] == "Inward", "reply \(i)")
            } else {
                #expect(reply["n"] == .integer(Int64(i)), "reply \(i)")
            }
        }
    }

    @Test("oneway calls get no reply and the next call is answered")
    func oneway() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        client.send(#"{"method":"io.inward.Test.Count","oneway":true}"#)
        client.send(#"{"method":"org.varlink.service.GetInfo","oneway":true}"#)
        let echo = try #require(client.exchange(#"{"method":"io.inward.Test.Echo","parameters":{"after":"oneway"}}"#))
        #expect(echo["after"] == "oneway")
        let count = try #require(client.exchange(#"{"method":"io.inward.Test.Count"}"#))
        #expect(count["count"] == 2)
    }

    @Test("a oneway call sent just before hanging up is still handled")
    func onewayThenHangUp() throws {
        let server = try TestServer()
        defer { server.stop() }
        for _ in 0..<20 {
            let client = try server.client()
            client.send(#"{"method":"io.inward.Test.Count","oneway":true}"#)
        }
        #expect(waitUntil(timeout: 20) { server.handler.state.withLock { $0.closed.count } == 20 })
        #expect(server.handler.state.withLock { $0.count } == 20)
    }

    @Test("a client that shuts down its sending side still gets its replies, then EOF")
    func halfClose() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        client.send(Array(#"{"method":"io.inward.Test.Stream","parameters":{"n":2},"more":true}"#.utf8) + [0]
            + Array(#"{"method":"io.inward.Test.Echo","parameters":{"last":1}}"#.utf8) + [0])
        shutdown(client.fd, Int32(SHUT_WR))
        #expect(client.reply()?["i"] == 0)
        #expect(client.reply()?["i"] == 1)
        #expect(client.reply()?["done"] == true)
        #expect(client.reply()?["last"] == 1)
        #expect(client.isClosedByServer())
    }

    @Test("a more call streams from another thread; a call pipelined behind it waits for the end")
    func more() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        client.send(Array(#"{"method":"io.inward.Test.Stream","parameters":{"n":5},"more":true}"#.utf8) + [0]
            + Array(#"{"method":"io.inward.Test.Echo","parameters":{"behind":true}}"#.utf8) + [0])
        for i in 0..<5 {
            let reply = try #require(client.reply())
            #expect(reply.continues, "reply \(i) should continue")
            #expect(reply["i"] == .integer(Int64(i)))
        }
        let last = try #require(client.reply())
        #expect(!last.continues)
        #expect(last["done"] == true)
        let behind = try #require(client.reply())
        #expect(behind["behind"] == true)

        let noMore = try #require(client.exchange(#"{"method":"io.inward.Test.Stream"}"#))
        #expect(noMore.error == "org.varlink.service.ExpectedMore")
        let infoMore = try #require(client.exchange(#"{"method":"org.varlink.service.GetInfo","more":true}"#))
        #expect(!infoMore.continues)
        #expect(infoMore["vendor"] == "Inward")
    }

    @Test("a client that disconnects mid-call: connectionClosed once, responder closed")
    func disconnectMidCall() throws {
        let server = try TestServer()
        var client: VarlinkTestClient? = try server.client()
        client!.send(#"{"method":"io.inward.Test.Hold","more":true}"#)
        #expect(waitUntil(timeout: 20) { server.handler.state.withLock { !$0.held.isEmpty } })
        let (id, responder) = try #require(server.handler.state.withLock { $0.held.first })
        #expect(responder.isOpen)
        client = nil
        #expect(waitUntil(timeout: 20) { server.handler.state.withLock { $0.closed[id] == 1 } })
        #expect(!responder.isOpen)
        responder.send(VarlinkReply(["late": true]))  // dropped, no crash
        #expect(waitUntil(timeout: 20) { server.server.clientCount == 0 })
        server.stop()
        #expect(server.handler.state.withLock { $0.closed[id] } == 1)
    }

    @Test("shutdown ends run() and closes streaming clients")
    func shutdownClosesClients() throws {
        let server = try TestServer()
        let client = try server.client()
        client.send(#"{"method":"io.inward.Test.Hold","more":true}"#)
        #expect(waitUntil(timeout: 20) { server.handler.state.withLock { !$0.held.isEmpty } })
        server.stop()
        #expect(client.isClosedByServer())
        #expect(server.handler.state.withLock { $0.closed.count } == 1)
    }
}

@Suite("ControlServer: limits and errors")
struct ControlServerLimitTests {
    @Test("an oversized message gets MessageTooLarge then EOF; earlier calls first; other clients unaffected")
    func oversized() throws {
        let server = try TestServer()
        defer { server.stop() }
        let bystander = try server.client()
        #expect(bystander.exchange(#"{"method":"org.varlink.service.GetInfo"}"#)?["vendor"] == "Inward")

        let client = try server.client()
        let big = #"{"method":"io.inward.Test.Echo","parameters":{"s":""#
            + String(repeating: "a", count: 70_000) + #""}}"#
        client.send(Array(#"{"method":"io.inward.Test.Echo","parameters":{"first":1}}"#.utf8) + [0]
            + Array(big.utf8) + [0])
        #expect(client.reply()?["first"] == 1)
        let error = try #require(client.reply())
        #expect(error.error == "io.inward.Session.MessageTooLarge")
        #expect(error["max_bytes"] == 65536)
        #expect(client.isClosedByServer())

        #expect(bystander.exchange(#"{"method":"org.varlink.service.GetInfo"}"#)?["vendor"] == "Inward")
    }

    @Test("with a small limit, a message over it in one read is refused", arguments: [100, 1000, 4096])
    func oversizedSmallLimit(limit: Int) throws {
        var limits = ControlServer.Limits()
        limits.maxMessageBytes = limit
        let server = try TestServer(limits: limits)
        defer { server.stop() }
        let client = try server.client()
        #expect(client.exchange(#"{"method":"io.inward.Test.Echo","parameters":{"ok":1}}"#)?["ok"] == 1)
        let error = try #require(client.exchange(String(repeating: " ", count: limit + 1) + "{}"))
        #expect(error.error == "io.inward.Session.MessageTooLarge")
        #expect(error["max_bytes"] == .integer(Int64(limit)))
        #expect(client.isClosedByServer())
    }

    @Test("malformed messages get MalformedMessage then EOF", arguments: [
        "{",
        #"{"method":"io.inward.Test.Echo",}"#,
        "[1,2]",
        #""just a string""#,
        "{}",
        #"{"method":5}"#,
        #"{"method":"nodots"}"#,
        #"{"method":"io.inward.Test.Echo","parameters":[]}"#,
        #"{"method":"io.inward.Test.Echo","more":"yes"}"#,
        #"{"method":"io.inward.Test.Echo","oneway":true,"more":true}"#,
        #"{"method":"io.inward.Test.Echo","extra":1}"#,
        "",
    ])
    func malformed(message: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        let reply = try #require(client.exchange(message))
        #expect(reply.error == "io.inward.Session.MalformedMessage")
        #expect((reply["reason"]?.stringValue ?? "").isEmpty == false)
        #expect(reply["offset"] != nil)
        #expect(client.isClosedByServer())
        #expect(waitUntil(timeout: 20) { server.server.clientCount == 0 })
    }

    @Test("invalid JSON reports the parser's offset; invalid UTF-8 is malformed")
    func malformedDetails() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        let reply = try #require(client.exchange(#"{"method": }"#))
        #expect(reply.error == "io.inward.Session.MalformedMessage")
        #expect(reply["offset"] == 11)
        #expect(reply["reason"]?.stringValue?.contains("invalid JSON") == true)

        let other = try server.client()
        other.send([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D, 0])
        #expect(other.reply()?.error == "io.inward.Session.MalformedMessage")
        #expect(other.isClosedByServer())
    }

    @Test("the client beyond maxClients gets TooManyClients and is closed")
    func maxClients() throws {
        var limits = ControlServer.Limits()
        limits.maxClients = 3
        let server = try TestServer(limits: limits)
        defer { server.stop() }
        var clients = try (0..<3).map { _ in try server.client() }
        for client in clients {
            #expect(client.exchange(#"{"method":"org.varlink.service.GetInfo"}"#)?["vendor"] == "Inward")
        }
        #expect(server.server.clientCount == 3)
        let extra = try server.client()
        let reply = try #require(extra.reply())
        #expect(reply.error == "io.inward.Session.TooManyClients")
        #expect(reply["max_clients"] == 3)
        #expect(extra.isClosedByServer())

        clients.removeLast()
        #expect(waitUntil(timeout: 20) { server.server.clientCount == 2 })
        let again = try server.client()
        #expect(again.exchange(#"{"method":"org.varlink.service.GetInfo"}"#)?["vendor"] == "Inward")
    }

    @Test("too many calls queued behind a call in flight closes that client only")
    func queueLimit() throws {
        var limits = ControlServer.Limits()
        limits.maxQueuedCallsPerClient = 4
        let server = try TestServer(limits: limits)
        defer { server.stop() }
        let bystander = try server.client()
        let client = try server.client()
        var batch = Array(#"{"method":"io.inward.Test.Hold","more":true}"#.utf8) + [0]
        for _ in 0..<10 { batch += Array(#"{"method":"io.inward.Test.Echo"}"#.utf8) + [0] }
        client.send(batch)
        #expect(client.isClosedByServer())
        #expect(bystander.exchange(#"{"method":"org.varlink.service.GetInfo"}"#)?["vendor"] == "Inward")
    }

    @Test("a client not reading its stream is closed when its unread output passes the limit")
    func outboundLimit() throws {
        var limits = ControlServer.Limits()
        limits.maxOutboundBytesPerClient = 64 * 1024
        let server = try TestServer(limits: limits)
        defer { server.stop() }
        let bystander = try server.client()
        let client = try server.client()
        client.send(#"{"method":"io.inward.Test.Flood","more":true}"#)
        // The client never reads; the server must drop it while our socket stays open.
        #expect(waitUntil(timeout: 20) { server.handler.state.withLock { $0.closed.count } == 1 })
        #expect(waitUntil(timeout: 20) { server.server.clientCount == 1 })
        #expect(bystander.exchange(#"{"method":"org.varlink.service.GetInfo"}"#)?["vendor"] == "Inward")
        _ = client
    }

    @Test("a pipelining client that reads late is slowed down, not closed")
    func backPressure() throws {
        var limits = ControlServer.Limits()
        limits.maxOutboundBytesPerClient = 64 * 1024
        let server = try TestServer(limits: limits)
        defer { server.stop() }
        let client = try server.client()
        // 300 descriptions of ~10 KiB each: far more than the outbound limit.
        let call = #"{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.inward.Session"}}"#
        let batch = Array((0..<300).map { _ in Array(call.utf8) + [0] }.joined())
        let writer = Thread { client.send(batch) }
        writer.start()
        usleep(100_000)  // let the server fill the socket before we read (not an assertion)
        for i in 0..<300 {
            let reply = try #require(client.reply(), "reply \(i)")
            #expect(reply["description"] == .string(InwardSessionInterface.description))
        }
    }
}
