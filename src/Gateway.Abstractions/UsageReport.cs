namespace Gateway;

/// <summary>Token usage of a finished request, as reported by the provider or, failing that, estimated.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.UsageReport")]
public sealed record UsageReport(
    [property: Id(0)] long InputTokens,
    [property: Id(1)] long OutputTokens,
    [property: Id(2)] long CachedInputTokens,
    [property: Id(3)] bool ReportedByProvider);
