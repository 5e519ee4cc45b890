namespace Gateway;

/// <summary>Accepted (with the reservation ticket) or denied (with the reason), never both.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.BeginResult")]
public sealed record BeginResult(
    [property: Id(0)] DenialReason Denial,
    [property: Id(1)] string? Message,
    [property: Id(2)] Reservation? Reservation,
    [property: Id(3)] string? UserId,
    [property: Id(4)] TimeSpan? RetryAfter = null,
    [property: Id(5)] bool CaptureContent = false,
    [property: Id(6)] RateUsage? Rate = null)
{
    public bool Accepted => Denial == DenialReason.None && Reservation is not null;
}
