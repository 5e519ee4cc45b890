using System.ComponentModel.DataAnnotations;

namespace Gateway.Frontend;

public sealed class FrontendOptions
{
    public const string Section = "Gateway:Frontend";

    /// <summary>Names this front-end in audit rows; defaults to the machine name and process id.</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    public string Region { get; set; } = "local";

    /// <summary>Largest request body accepted; bigger ones get 413 in the caller's API format.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Output ceiling reserved for a request that states none and whose model has no known maximum.</summary>
    [Range(1, 1_000_000)]
    public int DefaultOutputCeiling { get; set; } = 4096;

    /// <summary>The longest a proxied request may take end to end; past it the outcome is <c>timeout</c>.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often a front-end renews the lease of a request it is still serving, so the key's sweep
    /// never takes a live request for an abandoned one. Must be well inside <c>Gateway:Keys:LeaseTimeout</c>.
    /// </summary>
    public TimeSpan LeaseRenewEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a request waits on its key's grain to authenticate, reserve and record its intent
    /// (including activating the grain, which reads storage). Past it the request is refused with 503
    /// <c>gateway_unavailable</c> and withdrawn from the key, so it is never charged. Longer than
    /// <c>Gateway:Keys:IntentWriteTimeout</c>, so a stalled intent write is the grain's to answer, and
    /// inside Orleans' 30-second call timeout.
    /// </summary>
    public TimeSpan BeginTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Retry-After</c> given with a 503 when the cluster did not answer in time.</summary>
    public TimeSpan UnavailableRetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a front-end keeps trying to settle a request whose settlement failed (storage or the
    /// key's silo down), renewing its lease meanwhile so the sweep does not charge it as unknown. The
    /// first tries run on the request path; the rest in the background, off the client's connection.
    /// </summary>
    public TimeSpan SettleRetryFor { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest non-streamed response kept in memory to read its usage block.</summary>
    public int MaxCapturedResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How long captured prompts and completions are kept (only for keys with capture switched on).</summary>
    public TimeSpan ContentRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The price file; relative paths are resolved against the application directory.</summary>
    [Required]
    public string PriceFile { get; set; } = "prices.json";

    /// <summary>
    /// Bodies larger than this are read only after the key's grain has admitted the key, so a
    /// made-up or revoked key cannot make the gateway read and tokenize megabytes. Smaller bodies
    /// are read first and checked in the same grain call that reserves (one call, not two).
    /// </summary>
    [Range(0, 256 * 1024 * 1024)]
    public long AuthenticateFirstBytes { get; set; } = 256 * 1024;

    /// <summary>The most prompt tokens counted for a model whose price entry has no <c>contextWindow</c>.</summary>
    [Range(1, 100_000_000)]
    public int DefaultContextWindow { get; set; } = 1_000_000;

    /// <summary>The most outputs one request may ask for (<c>n</c>, <c>best_of</c>); each is billed, so each is reserved.</summary>
    [Range(1, 128)]
    public int MaxOutputsPerRequest { get; set; } = 8;

    /// <summary>
    /// Failed authentications (a missing or malformed key, a key id never issued, a wrong secret) one
    /// client address may make per minute before every request from it is refused with 429 for the
    /// rest of that minute. Revoked and expired keys do not count. 0: no limit.
    /// </summary>
    [Range(0, 1_000_000)]
    public int FailedAuthPerMinute { get; set; } = 100;

    /// <summary>
    /// Repeats of a refusal no key owns (same reason, same address) within this window after one that
    /// was written become one counted row in the unattributed partition. Zero writes each one.
    /// </summary>
    public TimeSpan DenialAggregationWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Addresses or CIDR ranges (<c>10.0.0.0/16</c>) of the proxies or load balancers in front of the
    /// gateway. From them, the last <c>X-Forwarded-For</c> hop names the client: what audit rows
    /// record and the failed-authentication limit counts by. Empty: the TCP peer is the client.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}
