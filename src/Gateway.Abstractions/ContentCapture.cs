namespace Gateway;

/// <summary>
/// Content capture switched on for a key: by whom, when and why. Prompts and completions are never
/// stored unless this is set, and setting it is itself an audited admin action.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.ContentCapture")]
public sealed record ContentCapture(
    [property: Id(0)] string Reason,
    [property: Id(1)] string EnabledBy,
    [property: Id(2)] DateTimeOffset EnabledAt);
