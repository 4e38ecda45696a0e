import Testing
@testable import InwardCore

@Suite struct PlanKeyLocatorTests {
    static let text = """
    # a comment = 1
    name = "x"
    description = \"\"\"
    name = "not a key, inside a multi-line string"
    \"\"\"
    route = "im" # trailing comment
    [defaults]
    fade_in = "20s"

    [[phase]]
    name = "a"
    source = { kind = "soundscape", intensity = 0.5, nested = { deep = 1 } }

    [[phase]]
      "level_db" = -10
    source.kind = "silence"

    [[phase]]
    name = "c"
    [ phase.source ]
    kind = 'playlist'
    path = "a, b = c.m3u8"
    tags = ["x", { y = 1 }]
    """

    let locator = PlanKeyLocator(text: Self.text)

    @Test func findsTopLevelKeys() {
        #expect(locator.exactLine(of: "name") == 2)
        #expect(locator.exactLine(of: "description") == 3)
        #expect(locator.exactLine(of: "route") == 6)
    }

    @Test func skipsCommentsAndMultiLineStrings() {
        #expect(locator.exactLine(of: "a") == nil)
        // "name" on line 4 is inside a string: the first definition (line 2) stands.
        #expect(locator.exactLine(of: "name") == 2)
    }

    @Test func followsTableHeaders() {
        #expect(locator.exactLine(of: "defaults") == 7)
        #expect(locator.exactLine(of: "defaults.fade_in") == 8)
    }

    @Test func numbersArraysOfTablesFromOne() {
        #expect(locator.exactLine(of: "phase[1]") == 10)
        #expect(locator.exactLine(of: "phase[2]") == 14)
        #expect(locator.exactLine(of: "phase[3]") == 18)
        #expect(locator.exactLine(of: "phase[1].name") == 11)
        #expect(locator.exactLine(of: "phase[3].name") == 19)
    }

    @Test func findsKeysOfInlineTables() {
        #expect(locator.exactLine(of: "phase[1].source") == 12)
        #expect(locator.exactLine(of: "phase[1].source.kind") == 12)
        #expect(locator.exactLine(of: "phase[1].source.intensity") == 12)
        #expect(locator.exactLine(of: "phase[1].source.nested.deep") == 12)
    }

    @Test func findsQuotedAndDottedKeys() {
        #expect(locator.exactLine(of: "phase[2].level_db") == 15)
        #expect(locator.exactLine(of: "phase[2].source.kind") == 16)
    }

    @Test func subTableHeaderBelongsToTheLatestArrayElement() {
        #expect(locator.exactLine(of: "phase[3].source") == 20)
        #expect(locator.exactLine(of: "phase[3].source.kind") == 21)
        #expect(locator.exactLine(of: "phase[3].source.path") == 22)
        #expect(locator.exactLine(of: "phase[3].source.tags") == 23)
        #expect(locator.exactLine(of: "phase[3].source.b") == nil)
    }

    @Test func fallsBackToTheEnclosingTable() {
        #expect(locator.exactLine(of: "phase[2].duration") == nil)
        #expect(locator.line(of: "phase[2].duration") == 14)
        #expect(locator.line(of: "phase[3].source.seed") == 20)
        #expect(locator.line(of: "phase[1].source.seed") == 12)
        #expect(locator.line(of: "defaults.crossfade") == 7)
        #expect(locator.line(of: "phase[9].name") == nil)
        #expect(locator.line(of: "nothing") == nil)
    }

    @Test func handlesCRLFAndMultiLineStringClosingOnItsLine() {
        let crlf = "a = 1\r\n[[phase]]\r\nb = '''one line'''\r\nc = \"\"\"x\r\ny = 2\r\n\"\"\"\r\nd = 3\r\n"
        let l = PlanKeyLocator(text: crlf)
        #expect(l.exactLine(of: "a") == 1)
        #expect(l.exactLine(of: "phase[1]") == 2)
        #expect(l.exactLine(of: "phase[1].b") == 3)
        #expect(l.exactLine(of: "phase[1].c") == 4)
        #expect(l.exactLine(of: "phase[1].y") == nil)
        #expect(l.exactLine(of: "phase[1].d") == 7)
    }

    @Test func survivesMalformedText() {
        let l = PlanKeyLocator(text: "[[\n= 3\n\"unterminated = 1\nkey\nok = { a = \n[x\nz = 1")
        #expect(l.exactLine(of: "ok") == 5)
        #expect(l.exactLine(of: "x.z") == 7)
    }
}
