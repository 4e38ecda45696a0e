import CSystemd

/// Tells systemd how the service is doing (Type=notify); does nothing when
/// not started by systemd.
public enum SystemdNotify {
    public static func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public static func status(_ text: String) { send("STATUS=\(text)") }
    public static func stopping() { send("STOPPING=1") }

    private static func send(_ message: String) { _ = sd_notify(0, message) }
}
