/// How the medicine is given; it sets the plan's expected timing (CLINICAL.md).
public enum Route: String, Sendable, Equatable, CaseIterable {
    case im, iv, sublingual, intranasal, other
}

/// A session plan: the phases a session moves through, parsed and validated.
public struct Plan: Sendable, Equatable {
    public var name: String
    public var description: String
    public var route: Route
    /// The loudest any phase, the master volume or the output may be, in dBFS (<= 0).
    public var levelCapDB: Double
    /// The integrated loudness (EBU R128, LUFS) every playlist track is
    /// brought to before the phase level applies; nil plays tracks at their own level.
    public var loudnessTarget: Double?
    /// When vital-signs readings are due; nil when the plan does not say.
    public var vitals: VitalsSchedule?
    /// The limits past which a reading raises an alert (`[vitals.alerts]`, else the defaults).
    public var vitalAlerts: VitalAlerts
    /// The shortest aftercare: seconds after the first dose before discharge
    /// (`[aftercare] min_after_dose`); nil when the plan does not say.
    public var minAftercareAfterDose: Double?
    /// What one intranasal device delivers (`[dose] amount_per_device`); nil when not stated.
    public var amountPerDevice: DoseAmount?
    public var phases: [Phase]
    /// The calm harbour (`[calm]`); nil when the plan has none.
    public var calm: CalmSpec?
    /// The output raised while the headphones are off (`[headphones_off]`); nil when the plan has none.
    public var headphonesOffRaise: HeadphonesOffRaise?
    /// The plan file as the user named it (for messages); playlist paths in
    /// `phases` are already resolved against its folder.
    public var file: String

    public init(name: String, description: String = "", route: Route, levelCapDB: Double = 0,
                loudnessTarget: Double? = nil, vitals: VitalsSchedule? = nil, vitalAlerts: VitalAlerts = .defaults,
                minAftercareAfterDose: Double? = nil, amountPerDevice: DoseAmount? = nil,
                phases: [Phase], calm: CalmSpec? = nil, headphonesOffRaise: HeadphonesOffRaise? = nil,
                file: String = "<plan>") {
        self.calm = calm
        self.headphonesOffRaise = headphonesOffRaise
        self.loudnessTarget = loudnessTarget
        self.vitals = vitals
        self.vitalAlerts = vitalAlerts
        self.minAftercareAfterDose = minAftercareAfterDose
        self.amountPerDevice = amountPerDevice
        self.name = name
        self.description = description
        self.route = route
        self.levelCapDB = levelCapDB
        self.phases = phases
        self.file = file
    }

    /// Index of the phase that lasts until the dose, if the plan has one.
    public var untilDoseIndex: Int? { phases.firstIndex { $0.length == .untilDose } }
}
