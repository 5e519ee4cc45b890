namespace Gateway.Cli.Api;

/// <summary>
/// Content capture switched on for a key: why, by whom (<c>admin:{adminKeyId}</c>) and when. A key
/// without it has <c>capture: null</c>, and its prompts and completions are not stored.
/// </summary>
internal sealed record ContentCapture(
    string? Reason,
    string? EnabledBy,
    DateTimeOffset? EnabledAt);
