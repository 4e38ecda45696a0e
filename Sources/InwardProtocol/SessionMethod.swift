/// The methods of `io.inward.Session`: one enum shared by the CLI (which
/// sends them), the daemon's method table (which serves them) and the IDL
/// (`InwardSessionInterface.description`, which declares them). A test checks
/// that the three agree.
public enum SessionMethod: String, CaseIterable, Sendable {
    case start = "Start"
    case dose = "Dose"
    case status = "Status"
    case monitor = "Monitor"
    case pause = "Pause"
    case resume = "Resume"
    case hold = "Hold"
    case next = "Next"
    case skip = "Skip"
    case setVolume = "SetVolume"
    case setOutput = "SetOutput"
    case silence = "Silence"
    case mark = "Mark"
    case stop = "Stop"
    case discharge = "Discharge"
    case listPlans = "ListPlans"
    case calm = "Calm"
    case intensity = "Intensity"
    case brightness = "Brightness"

    /// Who may call a method.
    public enum Access: String, Sendable {
        /// Reads only: the room's observers may call it as well as its staff.
        case observe
        /// Changes the session or its record: staff only.
        case control
    }

    /// The method's unqualified name, as in the IDL ("SetVolume").
    public var name: String { rawValue }

    /// The fully qualified name a client sends ("io.inward.Session.SetVolume").
    public var qualifiedName: String { InwardSessionInterface.name + "." + rawValue }

    /// The method a call names, if it is one of this interface's.
    public init?(call: VarlinkCall) {
        guard call.interface == InwardSessionInterface.name else { return nil }
        self.init(rawValue: String(call.methodName))
    }

    public var access: Access {
        switch self {
        case .status, .monitor, .listPlans: .observe
        default: .control
        }
    }

    /// The parameters the IDL declares for the method (a call with any other is refused).
    public var parameters: Set<String> { InwardSessionInterface.parameterNames[rawValue] ?? [] }
}
