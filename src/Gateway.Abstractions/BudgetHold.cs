namespace Gateway;

/// <summary>
/// A request's reservation, asked of each budget above its key in a fixed order (key, then user,
/// then team): the worst-case cost and the tokens it counts against tokens-per-minute.
/// <see cref="Settling"/> carries, for the budgets above, what the key's earlier requests cost now
/// that their settlements have arrived but are not yet durable: each of those holds shrinks (or
/// grows) to its request's actual cost before this one is checked, so a request that follows
/// another's settlement is judged as exactly as the key judges it.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.BudgetHold")]
public sealed record BudgetHold(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string RequestId,
    [property: Id(2)] long ReserveMicros,
    [property: Id(3)] long RateTokens,
    [property: Id(4)] DateTimeOffset StartedAt,
    [property: Id(5)] IReadOnlyList<SettlingCost>? Settling = null,
    [property: Id(6)] int InputTokens = 0);

/// <summary>A request whose settlement has arrived at its key: what it costs, while its row is being made durable.</summary>
[GenerateSerializer, Immutable, Alias("Gateway.SettlingCost")]
public sealed record SettlingCost(
    [property: Id(0)] string RequestId,
    [property: Id(1)] long CostMicros);

/// <summary>
/// Held on every level (then <see cref="TeamId"/> says which team holds it), or refused by one of
/// them with the reason, a message naming the level, and for a rate limit how long to wait.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.BudgetHoldResult")]
public sealed record BudgetHoldResult(
    [property: Id(0)] DenialReason Denial,
    [property: Id(1)] string? Message,
    [property: Id(2)] string? TeamId,
    [property: Id(3)] TimeSpan? RetryAfter = null,
    [property: Id(4)] RateUsage? Rate = null)
{
    public bool Accepted => Denial == DenialReason.None;

    public static BudgetHoldResult Held(string? teamId, RateUsage? rate = null) => new(DenialReason.None, null, teamId, Rate: rate);
}

/// <summary>
/// One committed row of a key's ledger as the budgets above the key need it. Budgets apply a key's
/// rows in sequence order exactly once, and fill any gap from the ledger itself.
/// </summary>
[GenerateSerializer, Immutable, Alias("Gateway.LedgerEntry")]
public sealed record LedgerEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] string RequestId,
    [property: Id(2)] long CostMicros,
    [property: Id(3)] long Tokens,
    [property: Id(4)] bool Denied,
    [property: Id(5)] string? TeamId,
    [property: Id(6)] DateTimeOffset RecordedAt);
