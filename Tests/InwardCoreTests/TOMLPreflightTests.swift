import Testing
@testable import InwardCore

/// Table headers without a name abort toml++ (an assertion, or undefined behaviour
/// without assertions): the plan parser must report them itself. Found by fuzzing;
/// the inputs are also in Fuzz/Regressions/plan.
@Suite struct TOMLPreflightTests {
    @Test("a header without a name is a syntax error on its line", arguments: [
        ("[\n", 1, 2),
        ("[", 1, nil as Int?),
        ("name = \"x\"\n  [=]\n", 2, 4),
        ("[[[phase]]]\n", 1, 3),
        ("[ #comment\n", 1, 3),
        ("[[ \n", 1, 4),
        ("a = [\n  1,\n]\n[\u{3000}x]\n", 4, 2),
    ] as [(String, Int, Int?)])
    func unnamedHeader(_ text: String, line: Int, column: Int?) {
        let found = TOMLPreflight.unnamedTableHeader(in: text)
        if let column {
            #expect(found?.line == line && found?.column == column, "\(text.debugDescription): \(String(describing: found))")
            do {
                _ = try PlanParser.parse(text, file: "p.toml", folder: "/", fileExists: { _ in true })
                Issue.record("\(text.debugDescription) parsed")
            } catch {
                #expect(error.diagnostics.count == 1)
                #expect(error.diagnostics.first?.line == line)
                #expect(error.diagnostics.first?.message.contains("table header needs a name") == true)
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
    ])
    func validPasses(_ text: String) {
        #expect(TOMLPreflight.unnamedTableHeader(in: text) == nil, "\(text.debugDescription)")
    }
}
