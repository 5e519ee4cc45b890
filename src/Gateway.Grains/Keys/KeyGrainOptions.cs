namespace Gateway.Grains.Keys;

public sealed class KeyGrainOptions
{
    public const string Section = "Gateway:Keys";

    /// <summary>The longest a request may run; an intent older than this (plus grace) was abandoned.</summary>
    public TimeSpan MaxRequestDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Extra time before an abandoned intent is settled as unknown, for clock skew and slow settles.</summary>
    public TimeSpan AbandonGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Checkpoint the spend counter after this many ledger rows, bounding replay at activation.</summary>
    public int CheckpointEvery { get; set; } = 200;

    /// <summary>
    /// A key's commit of at least this many settlements (a busy key: its requests settle together
    /// while a commit is in flight) is written straight into the key's ledger partition instead of
    /// over its intents in the journal: three entity writes a request instead of four. Smaller commits
    /// share the journal's transactions with other keys', which a key's own partition cannot.
    /// 0 (the default) writes every commit to the journal: under a silo killed mid-load the usage
    /// rollups can still miss rows of such commits (docs/ledger-behind-journal.md), so it is not on
    /// by default yet; 16 is the value measured.
    /// </summary>
    public int LedgerDirectFrom { get; set; }

    /// <summary>How often each silo deletes captured content past its retention.</summary>
    public TimeSpan ContentSweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A user's or team's reservation older than this, with neither a ledger row nor an open intent,
    /// belongs to a request that never went out (its release was lost): the budget drops it.
    /// </summary>
    public TimeSpan OrphanHoldAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the silo's sweeper looks for abandoned intents.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Repeats of a denial (same reason, same client address) within this window after one that was
    /// written become one counted ledger row, so a flood of bad requests cannot bury the ledger.
    /// Zero writes every denial as its own row.
    /// </summary>
    public TimeSpan DenialAggregationWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Client addresses whose denials one key tracks at once; past it, denials are written one row each.</summary>
    public int DenialAggregationSources { get; set; } = 1000;

    /// <summary>
    /// The longest a request waits for its intent to be recorded. Past it the request is refused with
    /// 503 (not sent, never charged) rather than held for Orleans' 30-second call timeout while the
    /// store stalls. Keep it well under the front-end's patience (Orleans' response timeout).
    /// </summary>
    public TimeSpan IntentWriteTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a request in flight counts as alive after its front-end last renewed its lease (the
    /// front-end renews every <c>Gateway:Frontend:LeaseRenewEvery</c> while it streams). Past it, plus
    /// <see cref="AbandonGrace"/>, with no renewal, the front-end is taken to be gone and the sweep
    /// settles the request as unknown; a live long stream is never swept. Judged on the silo's clock.
    /// </summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The <c>Retry-After</c> a request refused for want of storage is given.</summary>
    public TimeSpan StorageRetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The <c>Retry-After</c> a request refused by the key's <c>maxConcurrent</c> is given. When a slot
    /// frees depends on the requests in flight, which the gateway cannot know; a second is about one
    /// short completion.
    /// </summary>
    public TimeSpan ConcurrencyRetryAfter { get; set; } = TimeSpan.FromSeconds(1);
}
