using Gateway.Core.Keys;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Grains;

/// <summary>User and team budgets on a two-silo cluster: caps and rate limits across keys, and spend equal to the ledger.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BudgetGrainClusterTests(ClusterFixture fixture)
{
    private static readonly ModelPrice Price = new(1_000_000, 2_000_000, 500_000);
    private const string Secret = "the-secret";
    private static readonly TimeSpan Settles = TimeSpan.FromSeconds(20);

    private IClusterClient Client => fixture.Client;

    private async Task<string> NewUserAsync(BudgetChanges? budget = null, string? teamId = null)
    {
        var userId = "u-" + ApiKeyFormat.NewKeyId();
        var user = Client.GetGrain<IUserGrain>(userId);
        Assert.NotNull(await user.Create(new UserChanges(null, null, teamId)));
        if (budget is not null)
        {
            await user.SetBudget(budget);
        }

        return userId;
    }

    private async Task<string> NewTeamAsync(BudgetChanges budget)
    {
        var teamId = "t-" + ApiKeyFormat.NewKeyId();
        var team = Client.GetGrain<ITeamGrain>(teamId);
        Assert.NotNull(await team.Create(teamId));
        await team.SetBudget(budget);
        return teamId;
    }

    private async Task<IApiKeyGrain> NewKeyAsync(string userId, long capMicros = 1_000_000_000)
    {
        var keyId = ApiKeyFormat.NewKeyId();
        Assert.NotNull(await Client.GetGrain<IUserGrain>(userId).CreateKey(keyId, new CreateKeyCommand(userId, null, capMicros, [], ApiKeyFormat.Hash(Secret), "test")));
        return Client.GetGrain<IApiKeyGrain>(keyId);
    }

    private static BeginRequest Begin(long reserve) => new(
        new RequestContext(Guid.NewGuid().ToString("N"), "m", "openai", "/v1/chat/completions", false, "fe", "r", ClusterFixture.Time.GetUtcNow(), null),
        ApiKeyFormat.Hash(Secret), Price, 100, 100, false, reserve);

    private static SettleRequest Settle(BeginRequest begin, Reservation reservation) => new(
        begin.Context.RequestId, new UsageReport(100, 100, 0, true), RequestOutcome.Completed, 200, 5, null);

    /// <summary>Begins every request on its key at once, settles the accepted ones (each costs its 300 reservation), and returns the results.</summary>
    private static async Task<BeginResult[]> RunAsync(IReadOnlyList<IApiKeyGrain> keys, int requests)
    {
        var work = Enumerable.Range(0, requests).Select(i => (Key: keys[i % keys.Count], Begin: Begin(reserve: 300))).ToList();
        var results = await Task.WhenAll(work.Select(w => w.Key.Begin(w.Begin)));
        await Task.WhenAll(work.Zip(results).Where(p => p.Second.Accepted).Select(p => p.First.Key.Settle(Settle(p.First.Begin, p.Second.Reservation!))));
        return results;
    }

    private async Task<long> LedgerSumAsync(IEnumerable<IApiKeyGrain> keys, Func<Gateway.Storage.Audit.AuditRecord, bool>? where = null)
    {
        var sum = 0L;
        foreach (var key in keys)
        {
            sum += (await fixture.Ledger.RowsAsync(key.GetPrimaryKeyString())).Where(where ?? (_ => true)).Sum(r => r.CostMicros);
        }

        return sum;
    }

    [Fact]
    public async Task A_users_cap_holds_exactly_across_all_of_their_keys()
    {
        var userId = await NewUserAsync(new BudgetChanges(CapMicros: 12_000));
        var keys = new List<IApiKeyGrain>();
        for (var i = 0; i < 4; i++)
        {
            keys.Add(await NewKeyAsync(userId));
        }

        var results = await RunAsync(keys, 200);

        Assert.Equal(40, results.Count(r => r.Accepted));
        Assert.All(results.Where(r => !r.Accepted), r =>
        {
            Assert.Equal(DenialReason.OverBudget, r.Denial);
            Assert.Contains($"user '{userId}'", r.Message);
        });
        var user = Client.GetGrain<IUserGrain>(userId);
        var budget = (await Poll.UntilAsync(user.Get, u => u!.Budget.ReservedMicros == 0 && u.Budget.PeriodRequests == 40, Settles, "the user's budget to settle"))!.Budget;
        Assert.Equal(12_000, budget.SpentMicros);
        Assert.Equal(budget.SpentMicros, await LedgerSumAsync(keys));
    }

    [Fact]
    public async Task A_teams_cap_holds_exactly_across_its_members_and_counts_only_what_it_held()
    {
        var teamId = await NewTeamAsync(new BudgetChanges(CapMicros: 3_000));
        var alice = await NewUserAsync(teamId: teamId);
        var bob = await NewUserAsync(teamId: teamId);
        var keys = new[] { await NewKeyAsync(alice), await NewKeyAsync(bob) };

        var results = await RunAsync(keys, 30);

        Assert.Equal(10, results.Count(r => r.Accepted));
        Assert.All(results.Where(r => !r.Accepted), r => Assert.Contains($"team '{teamId}'", r.Message));
        var team = Client.GetGrain<ITeamGrain>(teamId);
        var budget = (await Poll.UntilAsync(team.Get, t => t!.Budget.ReservedMicros == 0 && t.Budget.PeriodRequests == 10, Settles, "the team's budget to settle"))!.Budget;
        Assert.Equal(3_000, budget.SpentMicros);
        Assert.Equal(budget.SpentMicros, await LedgerSumAsync(keys, r => r.TeamId == teamId));

        // A refusal by the team releases what the user had held; each user's spend is their key's ledger.
        string[] users = [alice, bob];
        for (var i = 0; i < users.Length; i++)
        {
            var own = (await Poll.UntilAsync(Client.GetGrain<IUserGrain>(users[i]).Get, u => u!.Budget.ReservedMicros == 0, Settles, "the user's holds to clear"))!.Budget;
            Assert.Equal(own.SpentMicros, await LedgerSumAsync([keys[i]]));
        }
    }

    [Fact]
    public async Task A_users_rate_limit_counts_requests_from_all_of_their_keys()
    {
        var userId = await NewUserAsync(new BudgetChanges(Rpm: 3));
        var keys = new[] { await NewKeyAsync(userId), await NewKeyAsync(userId) };

        var first = await keys[0].Begin(Begin(300));
        var second = await keys[1].Begin(Begin(300));
        var third = await keys[0].Begin(Begin(300));
        var fourth = await keys[1].Begin(Begin(300));

        Assert.True(first.Accepted && second.Accepted && third.Accepted);
        Assert.Equal(DenialReason.RateLimited, fourth.Denial);
        Assert.Contains($"user '{userId}' allows 3 requests per minute", fourth.Message);
        Assert.InRange(fourth.RetryAfter!.Value, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));
        var rate = (await Client.GetGrain<IUserGrain>(userId).Get())!.Budget.Rate;
        Assert.Equal((3, 3), (rate.Rpm, rate.RequestsLastMinute));

        // The refusal doesn't use up the key's own window.
        Assert.Equal(1, (await keys[1].GetSnapshot())!.Rate!.RequestsLastMinute);
    }

    [Fact]
    public async Task A_users_spend_survives_deactivation_of_every_grain()
    {
        var userId = await NewUserAsync(new BudgetChanges(CapMicros: 1_000_000, Period: BudgetPeriod.Monthly));
        var keys = new[] { await NewKeyAsync(userId), await NewKeyAsync(userId) };
        await RunAsync(keys, 10);
        var user = Client.GetGrain<IUserGrain>(userId);
        var before = (await Poll.UntilAsync(user.Get, u => u!.Budget.PeriodRequests == 10, Settles, "the user's budget to settle"))!.Budget;

        // Every idle activation goes; the next call activates the user afresh from checkpoint and ledger.
        var management = Client.GetGrain<IManagementGrain>(0);
        Assert.Contains(user.GetGrainId(), await management.GetActiveGrains(GrainType.Create("user")));
        await management.ForceActivationCollection(TimeSpan.Zero);
        Assert.DoesNotContain(user.GetGrainId(), await management.GetActiveGrains(GrainType.Create("user")));

        var after = (await user.Get())!.Budget;
        Assert.Equal((3_000L, 10L), (before.SpentMicros, before.PeriodRequests));
        Assert.Equal((before.SpentMicros, before.PeriodRequests, 0L), (after.SpentMicros, after.PeriodRequests, after.ReservedMicros));
        Assert.Equal(after.SpentMicros, await LedgerSumAsync(keys));
    }

    [Fact]
    public async Task A_request_in_flight_while_the_user_wakes_afresh_is_held_again_from_its_intent_and_then_counted()
    {
        // A cap of 1,000: one request of 700 in flight on one key, one settled (300) on the other.
        var userId = await NewUserAsync(new BudgetChanges(CapMicros: 1_000, Period: BudgetPeriod.Monthly));
        var keys = new[] { await NewKeyAsync(userId), await NewKeyAsync(userId) };
        await RunAsync([keys[1]], 1);
        var inFlight = Begin(reserve: 700);
        var accepted = await keys[0].Begin(inFlight);
        Assert.True(accepted.Accepted);
        var user = Client.GetGrain<IUserGrain>(userId);
        await Poll.UntilAsync(user.Get, u => u!.Budget.SpentMicros == 300, Settles, "the settled request counted");

        // Every idle grain goes: the user wakes afresh from its checkpoint, its keys' ledger partitions
        // and their journal ranges, where the request's intent is.
        var management = Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        Assert.DoesNotContain(user.GetGrainId(), await management.GetActiveGrains(GrainType.Create("user")));
        var woken = (await user.Get())!.Budget;
        Assert.Equal((300L, 700L), (woken.SpentMicros, woken.ReservedMicros));

        // So the user's cap still counts it: nothing more fits...
        var refused = await keys[1].Begin(Begin(reserve: 10));
        Assert.Equal(DenialReason.OverBudget, refused.Denial);

        // ...and its settlement turns the hold into spend (100 in x $1/M + 100 out x $2/M = 300).
        Assert.False((await keys[0].Settle(Settle(inFlight, accepted.Reservation!))).AlreadySettled);
        var settled = (await Poll.UntilAsync(user.Get, u => u!.Budget.ReservedMicros == 0 && u.Budget.SpentMicros == 600, Settles, "the request counted"))!.Budget;
        Assert.Equal(settled.SpentMicros, await LedgerSumAsync(keys));
    }

    [Fact]
    public async Task A_users_daily_budget_starts_again_at_midnight_utc()
    {
        var userId = await NewUserAsync(new BudgetChanges(CapMicros: 600, Period: BudgetPeriod.Daily));
        var keys = new[] { await NewKeyAsync(userId), await NewKeyAsync(userId) };
        Assert.Equal(2, (await RunAsync(keys, 3)).Count(r => r.Accepted));
        var user = Client.GetGrain<IUserGrain>(userId);
        var today = (await Poll.UntilAsync(user.Get, u => u!.Budget.SpentMicros == 600 && u.Budget.ReservedMicros == 0, Settles, "today's spend"))!.Budget;
        Assert.Equal(today.PeriodStart!.Value.AddDays(1), today.PeriodResetsAt);

        ClusterFixture.Time.Advance(today.PeriodResetsAt!.Value - ClusterFixture.Time.GetUtcNow() + TimeSpan.FromMinutes(1));

        var tomorrow = (await user.Get())!.Budget;
        Assert.Equal(0, tomorrow.SpentMicros);
        var past = Assert.Single(tomorrow.PastPeriods);
        Assert.Equal((today.PeriodStart.Value, 600L, 2L), (past.Start, past.SpentMicros, past.Requests));
        Assert.True((await keys[1].Begin(Begin(300))).Accepted, "the user's cap applies afresh in the new period");
    }

    [Fact]
    public async Task A_key_that_wakes_to_a_runaway_alerts_against_its_usage_from_before_it_went_idle()
    {
        var userId = await NewUserAsync();
        var key = await NewKeyAsync(userId);
        var keyId = key.GetPrimaryKeyString();
        var audit = new Gateway.Storage.Admin.AdminAuditLog(fixture.Tables, TestStorage.ChainKey);
        async Task<List<string>> AlertsAsync() => [.. (await audit.ListAsync(1000, CancellationToken.None))
            .Where(e => e.Action == "budget.velocity" && e.Target == $"key:{keyId}").Select(e => e.Detail!)];

        // Three hours of steady use at $0.12 an hour, as the usage rollups hold it; then the key went
        // idle and its grain was collected.
        var created = ClusterFixture.Time.GetUtcNow();
        ClusterFixture.Time.Advance(TimeSpan.FromHours(3));
        var history = Enumerable.Range(0, 3).Select(h => new AuditRecord
        {
            KeyId = keyId, Sequence = 1_000 + h, PreviousHash = "", RequestId = $"history-{h}", UserId = userId, Model = "history-model", Provider = "openai",
            Endpoint = "/v1/chat/completions", Outcome = "completed", FrontendInstance = "fe", Region = "r", CostMicros = 120_000,
            StartedAt = created.AddHours(h), RecordedAt = created.AddHours(h),
        }).ToList();
        await new UsageRollups(fixture.Tables).ApplyAsync(history, CancellationToken.None);
        await Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // It wakes to a loop: $1.20 at once, against a normal of about $0.015 a window. Learned afresh, the
        // normal would be the loop itself, and the multiple would wait an hour to see it.
        var begin = Begin(reserve: 300);
        var result = await key.Begin(begin);
        await key.Settle(new SettleRequest(begin.Context.RequestId, new UsageReport(400_000, 400_000, 0, true), RequestOutcome.Completed, 200, 5, null));

        var alerts = await Poll.UntilAsync(AlertsAsync, a => a.Count >= 1, Settles, "a velocity alert for the key");
        Assert.True(result.Accepted);
        Assert.Contains("more than 10 times its normal", Assert.Single(alerts), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_keys_alerts_fire_once_per_threshold_and_again_in_the_next_period()
    {
        var userId = await NewUserAsync();
        var keyId = ApiKeyFormat.NewKeyId();
        await Client.GetGrain<IUserGrain>(userId).CreateKey(keyId, new CreateKeyCommand(userId, null, 600, [], ApiKeyFormat.Hash(Secret), "test", Period: BudgetPeriod.Daily));
        var key = Client.GetGrain<IApiKeyGrain>(keyId);
        var audit = new Gateway.Storage.Admin.AdminAuditLog(fixture.Tables, TestStorage.ChainKey);
        async Task<List<string>> AlertsAsync() => [.. (await audit.ListAsync(1000, CancellationToken.None))
            .Where(e => e.Action == "budget.threshold" && e.Target == $"key:{keyId}").Select(e => e.Detail!)];

        // 300 of 600 is 50%; the next 300 reaches 80% and 100% at once. A refused request alerts nothing.
        await RunAsync([key], 3);
        var today = await Poll.UntilAsync(AlertsAsync, a => a.Count >= 3, Settles, "three alerts");
        Assert.Equal(3, today.Count);
        Assert.Equal(["100", "50", "80"], today.Select(d => System.Text.RegularExpressions.Regex.Match(d, @"\((\d+)%\)").Groups[1].Value).Order(StringComparer.Ordinal));

        // The next day the thresholds start again.
        var resets = (await key.GetSnapshot())!.PeriodResetsAt!.Value;
        ClusterFixture.Time.Advance(resets - ClusterFixture.Time.GetUtcNow() + TimeSpan.FromMinutes(1));
        await RunAsync([key], 1);
        var after = await Poll.UntilAsync(AlertsAsync, a => a.Count >= 4, Settles, "the next day's first alert");
        Assert.Equal(4, after.Count);
        Assert.Single(after, d => d.Contains("(50%)", StringComparison.Ordinal) && d.Contains("resets", StringComparison.Ordinal) && !today.Contains(d));
    }

    [Fact]
    public async Task A_cap_that_refuses_with_nothing_in_flight_alerts_as_reached()
    {
        var userId = await NewUserAsync(new BudgetChanges(CapMicros: 500));
        var key = await NewKeyAsync(userId);
        var user = Client.GetGrain<IUserGrain>(userId);
        var audit = new Gateway.Storage.Admin.AdminAuditLog(fixture.Tables, TestStorage.ChainKey);
        async Task<List<string>> AlertsAsync() => [.. (await audit.ListAsync(1000, CancellationToken.None))
            .Where(e => e.Action == "budget.threshold" && e.Target == $"user:{userId}").Select(e => e.Detail!)];

        // 300 of 500 is 60%: the 50% alert. The next 300 can't fit, and nothing else is in flight:
        // 80% and 100% fire then, saying that requests are refused, though spend stays at 300.
        Assert.Single(await RunAsync([key], 1), r => r.Accepted);
        await Poll.UntilAsync(user.Get, u => u!.Budget.SpentMicros == 300 && u.Budget.ReservedMicros == 0, Settles, "the first request to settle");
        Assert.Equal(DenialReason.OverBudget, (await key.Begin(Begin(300))).Denial);
        Assert.Equal(DenialReason.OverBudget, (await key.Begin(Begin(300))).Denial);

        var alerts = await Poll.UntilAsync(AlertsAsync, a => a.Count >= 3, Settles, "three alerts");
        Assert.Equal(3, alerts.Count);
        Assert.Equal(2, alerts.Count(a => a.Contains("now refused", StringComparison.Ordinal)));
        Assert.Single(alerts, a => a.Contains("(50%)", StringComparison.Ordinal) && !a.Contains("refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rate_windows_of_key_and_user_survive_a_reactivation()
    {
        var userId = await NewUserAsync(new BudgetChanges(Rpm: 4));
        var keys = new[] { await NewKeyAsync(userId), await NewKeyAsync(userId) };
        await keys[0].Update(new KeyChanges(null, null, null, null, Rpm: 2, null));
        Assert.All(await RunAsync([keys[0], keys[0], keys[1], keys[1]], 4), r => Assert.True(r.Accepted));
        var user = Client.GetGrain<IUserGrain>(userId);
        await Poll.UntilAsync(user.Get, u => u!.Budget.PeriodRequests == 4, Settles, "the user's budget to settle");

        var management = Client.GetGrain<IManagementGrain>(0);
        Assert.Contains(keys[0].GetGrainId(), await management.GetActiveGrains(GrainType.Create("apikey")));
        await management.ForceActivationCollection(TimeSpan.Zero);
        Assert.DoesNotContain(keys[0].GetGrainId(), await management.GetActiveGrains(GrainType.Create("apikey")));
        Assert.DoesNotContain(user.GetGrainId(), await management.GetActiveGrains(GrainType.Create("user")));

        // Fresh activations, same last minute: the key's two and the user's four still count.
        var keyRefusal = await keys[0].Begin(Begin(300));
        Assert.Equal(DenialReason.RateLimited, keyRefusal.Denial);
        Assert.Contains("this key allows 2 requests per minute", keyRefusal.Message);
        var userRefusal = await keys[1].Begin(Begin(300));
        Assert.Equal(DenialReason.RateLimited, userRefusal.Denial);
        Assert.Contains($"user '{userId}' allows 4 requests per minute", userRefusal.Message);
        Assert.InRange(userRefusal.RetryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
    }
}
