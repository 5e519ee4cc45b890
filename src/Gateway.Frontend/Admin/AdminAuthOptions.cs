namespace Gateway.Frontend.Admin;

/// <summary>
/// Failed admin authentication (a missing, unknown or revoked admin key), counted per client address
/// in fixed windows by each front-end. Within a window an address may fail
/// <see cref="FailedAttemptLimit"/> times; after that every admin call from it gets 429 with
/// <c>Retry-After</c> until the window ends, without its key being looked at, so a weak configured
/// key cannot be guessed at speed. The first failure of a window is written to the admin audit at
/// once; the rest are counted into that row when the window closes, so a flood is one row per
/// address per window.
/// </summary>
public sealed class AdminAuthOptions
{
    public const string Section = "Gateway:Admin";

    /// <summary>Failures an address may have in one window before it is refused with 429.</summary>
    public int FailedAttemptLimit { get; set; } = 10;

    /// <summary>
    /// One window: how long a refused address waits at most, and how often its failures are written
    /// as one counted audit row. A minute keeps a typo from locking an operator out for long.
    /// </summary>
    public TimeSpan FailedAttemptWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Addresses counted at once; beyond that, new addresses share one count (and one row), so a
    /// flood from many addresses cannot grow memory without bound. IPv6 addresses count by /64.
    /// </summary>
    public int MaxTrackedAddresses { get; set; } = 10_000;
}
