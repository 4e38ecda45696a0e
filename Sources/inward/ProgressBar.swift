/// A one-line progress bar on standard error, redrawn in place, shown only
/// when standard error is a terminal.
struct ProgressBar {
    let label: String
    let enabled: Bool
    private var lastPermille = -1

    init(label: String, enabled: Bool = Terminal.stderrIsTTY) {
        self.label = label
        self.enabled = enabled
    }

    mutating func update(done: Int64, total: Int64, detail: String) {
        guard enabled, total > 0 else { return }
        let permille = Int(done * 1000 / total)
        guard permille != lastPermille else { return }
        lastPermille = permille
        let width = 30
        let filled = permille * width / 1000
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        Terminal.err("\r\(label) \(bar) \(permille / 10)% \(detail)\u{1B}[K")
    }

    func finish() {
        guard enabled else { return }
        Terminal.err("\r\u{1B}[K")
    }
}
