namespace Gateway;

/// <summary>
/// One grain per user key, keyed by the key id. It owns the key's identity, its live spend
/// counter and reservations, cap enforcement, and the key's audit ledger chain.
/// </summary>
[Alias("Gateway.IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    [Alias("Create")]
    Task<KeySnapshot> Create(CreateKeyCommand command);

    /// <summary>Live state, or null when no key with this id was ever created.</summary>
    [Alias("GetSnapshot")]
    Task<KeySnapshot?> GetSnapshot();

    /// <summary>Changes the key's limits; they apply from the next request on. A revoked key is left as it is.</summary>
    [Alias("Update")]
    Task<KeyChangeResult> Update(KeyChanges changes);

    /// <summary>Switches content capture on (with its recorded reason) or off (null). A revoked key is left as it is.</summary>
    [Alias("SetCapture")]
    Task<KeyChangeResult> SetCapture(ContentCapture? capture);

    /// <summary>
    /// Replaces the key's secret (same key id, budget and history). The previous secret keeps working
    /// for <paramref name="grace"/> (zero: not at all), then stops. A revoked key gets no new secret.
    /// </summary>
    [Alias("Rotate")]
    Task<KeyChangeResult> Rotate(string newSecretHash, TimeSpan grace, string rotatedBy);

    /// <summary>Revokes the key durably; once this returns, no request with the key is accepted.</summary>
    [Alias("Revoke")]
    Task<KeySnapshot?> Revoke(string revokedBy);

    /// <summary>The key's model allow-list when the secret matches an active key, else null.</summary>
    [Alias("Authenticate")]
    Task<IReadOnlyList<string>?> Authenticate(string secretHash);

    /// <summary>
    /// Checks only who is asking (the secret, revocation, expiry), for a front-end that wants to
    /// know before it spends work on a large body. Null when admitted; else the denial, audited as
    /// <see cref="Begin"/> would audit it. <see cref="Begin"/> checks all of it again.
    /// </summary>
    [Alias("Admit")]
    Task<BeginResult?> Admit(RequestContext context, string secretHash);

    /// <summary>
    /// The front-end serving this request is alive: its lease runs on from now (the silo's clock).
    /// One-way: a lost renewal only shortens the lease, and the next one restores it.
    /// </summary>
    [Alias("Renew"), Orleans.Concurrency.OneWay]
    Task Renew(string requestId);

    [Alias("Begin")]
    Task<BeginResult> Begin(BeginRequest request);

    /// <summary>
    /// The front-end stopped waiting for this request's <see cref="Begin"/> (past
    /// <c>Gateway:Frontend:BeginTimeout</c>) and refused it with 503: it will never be sent. Whatever
    /// the key holds or will hold for it is released, and it is recorded as a denial that charges
    /// nothing, whether its Begin has run, is running or has yet to arrive. Idempotent: a repeat, in
    /// this activation or a later one, changes nothing.
    /// </summary>
    [Alias("Withdraw")]
    Task Withdraw(RequestContext context);

    [Alias("Settle")]
    Task<SettleResult> Settle(SettleRequest request);

    /// <summary>
    /// Settles, as <see cref="RequestOutcome.Unknown"/> at the reserved amount, every intent of this
    /// key that has been open longer than a request may live. Called by the journal sweeper.
    /// </summary>
    [Alias("SettleAbandoned")]
    Task<int> SettleAbandoned();

    /// <summary>
    /// The key's chain head from the grain's memory (null when no such key exists), which audit
    /// verification compares with the newest ledger row to catch a truncated chain.
    /// </summary>
    [Alias("GetChainHead")]
    Task<ChainHead?> GetChainHead();
}
