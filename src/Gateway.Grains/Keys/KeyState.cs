namespace Gateway.Grains.Keys;

/// <summary>
/// The persisted part of a key. Spend is not written per request: the ledger is the record of
/// spend, and this state is a checkpoint of it (sequence, total, chain hash) from which an
/// activation replays the rows written since.
/// </summary>
[GenerateSerializer, Alias("Gateway.Grains.KeyState")]
public sealed class KeyState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string UserId { get; set; } = "";
    [Id(2)] public string? Name { get; set; }
    [Id(3)] public string SecretHash { get; set; } = "";
    [Id(4)] public KeyStatus Status { get; set; }
    [Id(5)] public long CapMicros { get; set; }
    [Id(6)] public List<string> Models { get; set; } = [];
    [Id(7)] public DateTimeOffset CreatedAt { get; set; }
    [Id(8)] public DateTimeOffset? RevokedAt { get; set; }
    [Id(9)] public string? RevokedBy { get; set; }
    [Id(10)] public string CreatedBy { get; set; } = "";
    [Id(11)] public long CheckpointSequence { get; set; }
    [Id(12)] public long CheckpointSpentMicros { get; set; }
    [Id(13)] public long CheckpointRequestCount { get; set; }
    [Id(14)] public string CheckpointHash { get; set; } = "";
    [Id(15)] public string? PreviousSecretHash { get; set; }
    [Id(16)] public DateTimeOffset? PreviousSecretValidUntil { get; set; }
    [Id(17)] public DateTimeOffset? ExpiresAt { get; set; }
    [Id(18)] public int? Rpm { get; set; }
    [Id(19)] public long? Tpm { get; set; }
    [Id(20)] public ContentCapture? Capture { get; set; }
    [Id(21)] public BudgetPeriod Period { get; set; }

    /// <summary>Start of the period the checkpointed spend belongs to.</summary>
    [Id(22)] public DateTimeOffset CheckpointPeriodStart { get; set; }

    [Id(23)] public List<PeriodTotal> PastPeriods { get; set; } = [];
    [Id(24)] public long CheckpointPeriodRequests { get; set; }

    /// <summary>Which alert thresholds of the key's cap already fired in this period.</summary>
    [Id(25)] public Alerts.ThresholdState Alerts { get; set; } = new();

    /// <summary>Per-request ceilings, the concurrency limit and velocity alert settings; null: none set.</summary>
    [Id(26)] public SpendControls? Controls { get; set; }

    /// <summary>Where the chain's head stood at a few past moments (<see cref="ChainTimeline"/>); null until the first.</summary>
    [Id(27)] public ChainMark[]? ChainMarks { get; set; }

    /// <summary>
    /// The oldest row, at this checkpoint, written straight into the ledger whose rollups and the
    /// retirement of its intent were still to come (a busy key's commit); 0: none. An activation
    /// reads the ledger from there, so that a crash before they happened leaves nothing unfinished.
    /// </summary>
    [Id(28)] public long LedgerUnfinishedFrom { get; set; }
}
