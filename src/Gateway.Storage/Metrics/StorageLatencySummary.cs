namespace Gateway.Storage.Metrics;

/// <summary>
/// This process's Table Storage calls over the last <see cref="WindowSeconds"/> (each try apart, as
/// <c>gateway.storage.duration</c> counts them), listened to since <see cref="Since"/>; the
/// percentiles are null when there was no call.
/// </summary>
public sealed record StorageLatencySummary(double WindowSeconds, DateTimeOffset Since, int Calls, int Failures, double? P50Ms, double? P95Ms, double? MaxMs);
