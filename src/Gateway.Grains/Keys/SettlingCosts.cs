namespace Gateway.Grains.Keys;

/// <summary>
/// The key's requests whose settlement has arrived, with what each costs, until the key's next
/// reservation passes them up (<see cref="BudgetHold.Settling"/>). The key's own budget resizes their
/// holds at once; the budgets above resize theirs when that reservation arrives, unless the committed
/// row got there first (then there is no hold left to resize). They stay here after their row is
/// committed: its forwarding may queue behind an earlier one still out, and the next reservation must
/// not overtake it unannounced. A key's next Begin takes them all, so they never outnumber the requests
/// it had in flight. Grain-turn code only.
/// </summary>
public sealed class SettlingCosts
{
    private readonly Dictionary<string, long> _costs = new(StringComparer.Ordinal);

    public void Add(string requestId, long costMicros) => _costs[requestId] = costMicros;

    /// <summary>Those not yet passed up, for the next reservation; null when there are none. Each is passed up once.</summary>
    public IReadOnlyList<SettlingCost>? Take()
    {
        if (_costs.Count == 0)
        {
            return null;
        }

        var taken = _costs.Select(c => new SettlingCost(c.Key, c.Value)).ToList();
        _costs.Clear();
        return taken;
    }
}
