import Testing
@testable import InwardCore

/// Input toml++ checks only by assertion (an abort, or undefined behaviour without
/// assertions): the plan parser must report it itself. Found by fuzzing; the inputs
/// are also in Fuzz/Regressions/plan.
@Suite struct TOMLPreflightTests {
    @Test("a syntax error on its line and column, not an abort", arguments: [
        ("[\n", 1, 2),
        ("[", 1, nil as Int?),
        ("name = \"x\"\n  [=]\n", 2, 4),
        ("[[[phase]]]\n", 1, 3),
        ("[ #comment\n", 1, 3),
        ("[[ \n", 1, 4),
        ("a = [\n  1,\n]\n[\u{3000}x]\n", 4, 2),
        ("n=[}", 1, 4),
        ("n = [1, { a = [2] }, [\n}]", 2, 1),
        ("n = [\u{2028}1]", 1, 6),
        ("n = [ # c\n\u{85}]", 2, 1),
    ] as [(String, Int, Int?)])
    func unsafe(_ text: String, line: Int, column: Int?) {
        let found = TOMLPreflight.problem(in: text)
        if let column {
            #expect(found?.line == line && found?.column == column, "\(text.debugDescription): \(String(describing: found))")
            do {
                _ = try PlanParser.parse(text, file: "p.toml", folder: "/", fileExists: { _ in true })
                Issue.record("\(text.debugDescription) parsed")
            } catch {
                #expect(error.diagnostics.count == 1)
                #expect(error.diagnostics.first?.line == line)
                #expect(error.diagnostics.first?.message == "TOML syntax error at column \(column): \(found?.message ?? "")")
            }
        } else {
            #expect(found == nil, "a '[' at the end of the text is toml++'s own error")
        }
    }

    @Test("valid TOML passes, brackets in values, strings and comments included", arguments: [
        "[phase]\nname = \"a\"\n",
        "[[phase]]\n[phase.source]\n[ \"quoted key\" ]\n['literal'.x]\n",
        "a = [\n  [\n    1,\n  ],\n  [ 2 ],\n]\n[b]\n",
        "t = { x = [1, [2]] }\n[c]\n",
        "s = \"\"\"\n[\n\"\"\"\nu = '''\n[=\n'''\n[d]\n",
        "s = \"\"\"a\\\n[\n\"\"\"\"\"\n[e]\n",
        "# [\n  # [=\nk = \"[\" # [\n",
        "\u{FEFF}[f]\n",
        "a = [{ b = 1 }, { c = [1, 2] }]\ns = \"\u{2028}}\" # \u{2029} }\n",
    ])
    func validPasses(_ text: String) {
        #expect(TOMLPreflight.problem(in: text) == nil, "\(text.debugDescription)")
    }
}
