using Azure.Data.Tables;
using Gateway.Core.Ids;
using Gateway.Core.Keys;
using Gateway.Grains.Keys;
using Gateway.Storage;
using Gateway.Storage.Journal;

namespace Gateway.Tests.Grains;

/// <summary>The key grain on a two-silo cluster with its state, ledger and journal in Azurite.</summary>
[Collection(ClusterCollection.Name)]
public sealed class KeyGrainClusterTests(ClusterFixture fixture)
{
    private static readonly ModelPrice Price = new(1_000_000, 2_000_000, 500_000);
    private const string Secret = "the-secret";

    private Task<IApiKeyGrain> NewKeyAsync(long capMicros) => NewKeyAsync(fixture, capMicros);

    private static async Task<IApiKeyGrain> NewKeyAsync(ClusterFixture fixture, long capMicros)
    {
        var keyId = ApiKeyFormat.NewKeyId();
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);
        await grain.Create(new CreateKeyCommand("user-" + keyId, null, capMicros, [], ApiKeyFormat.Hash(Secret), "test"));
        return grain;
    }

    private static BeginRequest Begin(long reserve, string? requestId = null) => new(
        new RequestContext(requestId ?? RequestIds.New(ClusterFixture.Time.GetUtcNow()), "m", "openai", "/v1/chat/completions", false, "fe", "r", ClusterFixture.Time.GetUtcNow(), null),
        ApiKeyFormat.Hash(Secret), Price, 100, 100, false, reserve);

    private static SettleRequest Settle(BeginRequest begin, Reservation reservation, long inputTokens, long outputTokens) => new(
        begin.Context.RequestId, new UsageReport(inputTokens, outputTokens, 0, true), RequestOutcome.Completed, 200, 5, null);

    [Fact]
    public async Task Concurrent_reservations_never_take_spend_past_the_cap()
    {
        // Each request may cost up to 300 (100 in at $1/M... scaled): cap fits exactly 40 of them.
        var grain = await NewKeyAsync(capMicros: 12_000);
        var begins = Enumerable.Range(0, 200).Select(_ => Begin(reserve: 300)).ToList();

        var results = await Task.WhenAll(begins.Select(b => grain.Begin(b)));

        Assert.Equal(40, results.Count(r => r.Accepted));
        Assert.All(results.Where(r => !r.Accepted), r => Assert.Equal(DenialReason.OverBudget, r.Denial));
        var accepted = begins.Zip(results).Where(p => p.Second.Accepted).ToList();
        // 100 input tokens at $1/M + 100 output at $2/M = 300 micro-dollars, the full reservation.
        await Task.WhenAll(accepted.Select(p => grain.Settle(Settle(p.First, p.Second.Reservation!, 100, 100))));

        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal(12_000, snapshot.SpentMicros);
        Assert.Equal(0, snapshot.ReservedMicros);
        Assert.True(snapshot.SpentMicros <= snapshot.CapMicros);
        var rows = await fixture.Ledger.RowsAsync(snapshot.KeyId);
        Assert.Equal(snapshot.SpentMicros, rows.Sum(r => r.CostMicros));
        Assert.Equal(40, rows.Count(r => r.Outcome == "completed"));

        // The 160 refusals from one address: the first is a row of its own, the repeats are counted
        // and written as one row when the window ends or, as here, when the grain is collected.
        Assert.Equal(1, rows.Count(r => r.Outcome == "denied"));
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        rows = await Gateway.Tests.Infrastructure.Poll.UntilAsync(() => fixture.Ledger.RowsAsync(snapshot.KeyId), r => r.Count(x => x.Outcome == "denied") == 2, TimeSpan.FromSeconds(20), "the counted row of repeated denials");
        Assert.Equal(160, rows.Where(r => r.Outcome == "denied").Sum(r => r.Count));
        Assert.Equal(159, rows.Single(r => r.Outcome == "denied" && r.Count > 1).Count);
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(snapshot.KeyId, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task Abandoned_intent_is_settled_once_as_unknown_at_its_reserved_amount()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var begin = Begin(reserve: 700);
        var result = await grain.Begin(begin);
        Assert.True(result.Accepted);
        Assert.Equal(700, (await grain.GetSnapshot())!.ReservedMicros);

        // Nothing is settled before its deadline...
        Assert.Equal(0, await grain.SettleAbandoned());
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(12));
        // ...and after it, exactly once.
        Assert.Equal(1, await grain.SettleAbandoned());
        Assert.Equal(0, await grain.SettleAbandoned());

        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal(700, snapshot.SpentMicros);
        Assert.Equal(0, snapshot.ReservedMicros);
        var row = Assert.Single(await fixture.Ledger.RowsAsync(snapshot.KeyId));
        Assert.Equal("unknown", row.Outcome);
        Assert.Equal(700, row.CostMicros);

        // A late settlement from the front-end is recognised, not charged twice.
        var late = await grain.Settle(Settle(begin, result.Reservation!, 100, 100));
        Assert.True(late.AlreadySettled);
        Assert.Equal(700, (await grain.GetSnapshot())!.SpentMicros);
        await Infrastructure.Poll.UntilAsync(async () => (await JournalRowsAsync(snapshot.KeyId)) == 0, TimeSpan.FromSeconds(10), "the intent to be retired");
    }

    [Fact]
    public async Task The_same_settle_ten_times_at_once_writes_one_row_and_charges_once()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var begin = Begin(reserve: 300);
        var result = await grain.Begin(begin);
        var settle = Settle(begin, result.Reservation!, 100, 100);

        // As a front-end retrying after timeouts would: every repeat while the first is in flight.
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => grain.Settle(settle)));

        Assert.Single(results, r => !r.AlreadySettled);
        var snapshot = (await grain.GetSnapshot())!;
        // 100 input tokens at $1/M + 100 output at $2/M = 100 + 200 = 300 micro-dollars, once.
        Assert.Equal(300, snapshot.SpentMicros);
        Assert.Equal(0, snapshot.ReservedMicros);
        var row = Assert.Single(await fixture.Ledger.RowsAsync(snapshot.KeyId));
        Assert.Equal((begin.Context.RequestId, "completed", 300L), (row.RequestId, row.Outcome, row.CostMicros));
        Assert.True((await grain.Settle(settle)).AlreadySettled);
        Assert.Equal(300, (await grain.GetSnapshot())!.SpentMicros);
    }

    /// <summary>Two turn-overs of the key's memory of settled requests, each at another request's settlement (1 + 2 micro-dollars each).</summary>
    private static async Task ForgetSettledAsync(IApiKeyGrain grain)
    {
        for (var i = 0; i < 2; i++)
        {
            ClusterFixture.Time.Advance(Settlements.Remembered);
            var other = Begin(reserve: 10);
            Assert.False((await grain.Settle(Settle(other, (await grain.Begin(other)).Reservation!, 1, 1))).AlreadySettled);
        }
    }

    [Fact]
    public async Task A_settle_repeated_after_the_key_forgot_it_is_answered_from_storage_and_charges_nothing()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var begin = Begin(reserve: 300);
        var settle = Settle(begin, (await grain.Begin(begin)).Reservation!, 100, 100);
        Assert.False((await grain.Settle(settle)).AlreadySettled);

        await ForgetSettledAsync(grain);

        // The front-end's late repeat: the key no longer knows the request, the journal or the ledger does.
        Assert.True((await grain.Settle(settle)).AlreadySettled);
        var snapshot = (await grain.GetSnapshot())!;
        // 300 for the first request, 1 + 2 for each of the other two.
        Assert.Equal(306, snapshot.SpentMicros);
        Assert.Equal(0, snapshot.ReservedMicros);
        Assert.Single(await fixture.Ledger.RowsAsync(snapshot.KeyId), r => r.RequestId == begin.Context.RequestId);
    }

    [Fact]
    public async Task A_forgotten_settle_of_a_request_begun_after_the_activation_is_looked_for_only_in_this_activation_s_rows()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var keyId = (await grain.GetSnapshot())!.KeyId;

        // Begun well after the activation (past the clock allowance), settled, then forgotten.
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(2));
        var begin = Begin(reserve: 300);
        var settle = Settle(begin, (await grain.Begin(begin)).Reservation!, 100, 100);
        Assert.False((await grain.Settle(settle)).AlreadySettled);
        await ForgetSettledAsync(grain);

        // Its id says when it began: the repeat reads the rows after the activation's head, where its
        // row is (a bound at the chain's head now would miss it, and record and charge it twice).
        Assert.True((await grain.Settle(settle)).AlreadySettled);
        Assert.Equal(306, (await grain.GetSnapshot())!.SpentMicros);
        Assert.Single(await fixture.Ledger.RowsAsync(keyId), r => r.RequestId == begin.Context.RequestId);

        // A settle naming a request this activation never began, with an id from after the activation:
        // a marker naming it before the activation's head is not read (a lookup of the whole partition
        // would take it for the request's row and record nothing). The settle is recorded in a row of its own.
        var stray = Begin(reserve: 10);
        await using (await fixture.Ledger.PlantAsync(keyId, 0, stray.Context.RequestId))
        {
            Assert.False((await grain.Settle(new SettleRequest(stray.Context.RequestId, new UsageReport(1, 1, 0, true), RequestOutcome.Completed, 200, 5, null))).AlreadySettled);
        }

        var rows = await Gateway.Tests.Infrastructure.Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), r => r.Count == 4, TimeSpan.FromSeconds(20), "the stray settle's row");
        Assert.Equal(4, rows[^1].Sequence);
        Assert.Equal(stray.Context.RequestId, rows[^1].RequestId);
    }

    [Fact]
    public async Task A_settle_repeated_to_a_later_activation_is_found_anywhere_in_the_ledger()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var keyId = (await grain.GetSnapshot())!.KeyId;
        var begin = Begin(reserve: 300);
        var settle = Settle(begin, (await grain.Begin(begin)).Reservation!, 100, 100);
        Assert.False((await grain.Settle(settle)).AlreadySettled);
        // Copied into the ledger and gone from the journal, so only the ledger can answer.
        await Gateway.Tests.Infrastructure.Poll.UntilAsync(async () => await JournalRowsAsync(keyId) == 0, TimeSpan.FromSeconds(20), "the row copied and retired");

        // A new activation, well after the request began: its id puts it before the activation, so its
        // row may be anywhere on the chain, and is found there.
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.True((await grain.Settle(settle)).AlreadySettled);
        Assert.Equal(300, (await grain.GetSnapshot())!.SpentMicros);
        Assert.Single(await fixture.Ledger.RowsAsync(keyId));
    }

    [Fact]
    public async Task A_settle_repeated_to_a_later_activation_is_looked_for_after_the_key_s_last_mark_before_the_request_began()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var keyId = (await grain.GetSnapshot())!.KeyId;
        var first = Begin(reserve: 300);
        Assert.False((await grain.Settle(Settle(first, (await grain.Begin(first)).Reservation!, 100, 100))).AlreadySettled);
        // Collected: its checkpoint marks the chain's head (1) then, in the key's state.
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);

        // Past the clocks' allowance after that mark, a request on the next activation, settled, copied
        // and retired from the journal, so only the ledger can answer for it.
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(2));
        var begin = Begin(reserve: 300);
        var stray = Begin(reserve: 10);
        var settle = Settle(begin, (await grain.Begin(begin)).Reservation!, 100, 100);
        Assert.False((await grain.Settle(settle)).AlreadySettled);
        await Gateway.Tests.Infrastructure.Poll.UntilAsync(async () => await JournalRowsAsync(keyId) == 0, TimeSpan.FromSeconds(20), "the row copied and retired");

        // A later activation, minutes on: the front-end's repeat began before it, but after the mark,
        // so its row is looked for after that mark's head, and found there.
        await management.ForceActivationCollection(TimeSpan.Zero);
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.True((await grain.Settle(settle)).AlreadySettled);
        Assert.Equal(600, (await grain.GetSnapshot())!.SpentMicros);
        Assert.Single(await fixture.Ledger.RowsAsync(keyId), r => r.RequestId == begin.Context.RequestId);

        // A settle naming a request begun at the same moment that the key never saw: a marker naming it
        // at the start of the partition, before that mark's head, is not read (a look-up of the whole
        // partition would take it for the request's row and record nothing). It gets a row of its own.
        await using (await fixture.Ledger.PlantAsync(keyId, 0, stray.Context.RequestId))
        {
            Assert.False((await grain.Settle(new SettleRequest(stray.Context.RequestId, new UsageReport(1, 1, 0, true), RequestOutcome.Completed, 200, 5, null))).AlreadySettled);
        }

        var rows = await Gateway.Tests.Infrastructure.Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), r => r.Count == 3, TimeSpan.FromSeconds(20), "the stray settle's row");
        Assert.Equal(stray.Context.RequestId, rows[^1].RequestId);
        Assert.Equal(3, rows[^1].Sequence);
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(keyId, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task The_sweep_racing_late_settles_leaves_one_row_per_request()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var begins = Enumerable.Range(0, 40).Select(_ => Begin(reserve: 700)).ToList();
        var results = await Task.WhenAll(begins.Select(b => grain.Begin(b)));
        Assert.All(results, r => Assert.True(r.Accepted));
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(12));

        // The sweep settles the expired requests one after another; once it has settled its first,
        // the front-ends' late settlements of all of them arrive while it is between the others.
        var sweep = grain.SettleAbandoned();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while ((await grain.GetSnapshot())!.SpentMicros == 0 && !sweep.IsCompleted)
            {
                deadline.Token.ThrowIfCancellationRequested();
            }
        }

        var late = await Task.WhenAll(begins.Zip(results).Select(p => grain.Settle(Settle(p.First, p.Second.Reservation!, 100, 100))));
        var swept = await sweep;

        var snapshot = (await grain.GetSnapshot())!;
        var rows = await fixture.Ledger.RowsAsync(snapshot.KeyId);
        Assert.Equal(begins.Select(b => b.Context.RequestId).Order(), rows.Select(r => r.RequestId).Order());
        // Each request is either the front-end's (300, as reported) or the sweep's (700, as reserved).
        Assert.All(rows, r => Assert.Equal(r.Outcome == "unknown" ? 700 : 300, r.CostMicros));
        Assert.Equal(rows.Count(r => r.Outcome == "unknown"), swept);
        Assert.Equal(rows.Count(r => r.Outcome == "completed"), late.Count(r => !r.AlreadySettled));
        Assert.Equal(rows.Sum(r => r.CostMicros), snapshot.SpentMicros);
        Assert.Equal(0, snapshot.ReservedMicros);

        // Later settlements of any of them, by either party, charge nothing.
        Assert.All(await Task.WhenAll(begins.Zip(results).Select(p => grain.Settle(Settle(p.First, p.Second.Reservation!, 1, 1)))), r => Assert.True(r.AlreadySettled));
        Assert.Equal(0, await grain.SettleAbandoned());
        Assert.Equal(snapshot.SpentMicros, (await grain.GetSnapshot())!.SpentMicros);
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(snapshot.KeyId, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task A_request_refused_because_the_journal_failed_gives_back_its_rate_slot()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        await grain.Update(new KeyChanges(null, null, null, null, Rpm: 1, Tpm: null));

        // The journal's table gone: the intent cannot be recorded, so the request is refused unsent.
        // (Grain tests run one at a time, so no other test sees the table missing.)
        await fixture.Tables.AccountFor(grain.GetPrimaryKeyString()).Journal.DeleteAsync();
        BeginResult refused;
        try
        {
            refused = await grain.Begin(Begin(1));
        }
        finally
        {
            await fixture.Tables.AccountFor(grain.GetPrimaryKeyString()).Journal.CreateIfNotExistsAsync();
        }

        Assert.Equal(DenialReason.StorageUnavailable, refused.Denial);
        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal((0, 0L), (snapshot.Rate!.RequestsLastMinute, snapshot.ReservedMicros));
        Assert.True((await grain.Begin(Begin(1))).Accepted, "a refused request must not use up the minute");

        // Not sent, never charged: it is on the record as a denial that cost nothing.
        var rows = await Gateway.Tests.Infrastructure.Poll.UntilAsync(() => fixture.Ledger.RowsAsync(snapshot.KeyId),
            r => r.Any(x => x.Denial == nameof(DenialReason.StorageUnavailable)), TimeSpan.FromSeconds(10), "the refusal's denial row");
        Assert.Equal(0, rows.Single(x => x.Denial == nameof(DenialReason.StorageUnavailable)).CostMicros);
    }

    [Fact]
    public async Task Requests_refused_by_a_revocation_while_they_waited_give_back_their_rate_slots()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        await grain.Update(new KeyChanges(null, null, null, null, Rpm: 1_000, Tpm: null));

        // The begins pass their checks and wait on the user's budget and the journal; the revocation
        // lands meanwhile, so they come back refused after their slot was taken.
        var begins = Enumerable.Range(0, 20).Select(_ => grain.Begin(Begin(1))).ToList();
        await grain.Revoke("test");
        var results = await Task.WhenAll(begins);

        Assert.All(results.Where(r => !r.Accepted), r => Assert.Equal(DenialReason.Revoked, r.Denial));
        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal(results.Count(r => r.Accepted), snapshot.Rate!.RequestsLastMinute);
        Assert.Equal(results.Count(r => r.Accepted), snapshot.InFlight);
    }

    [Fact]
    public async Task Intent_is_in_the_journal_while_the_request_is_in_flight()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var begin = Begin(reserve: 300);
        var result = await grain.Begin(begin);

        Assert.Equal(1, await JournalRowsAsync((await grain.GetSnapshot())!.KeyId));
        await grain.Settle(Settle(begin, result.Reservation!, 10, 10));
        await Infrastructure.Poll.UntilAsync(async () => (await JournalRowsAsync((await grain.GetSnapshot())!.KeyId)) == 0, TimeSpan.FromSeconds(10), "retirement");
    }

    [Fact]
    public async Task An_error_longer_than_a_table_property_holds_is_recorded_cut_and_the_row_lands()
    {
        // A provider's error event inside a stream is kept as its text, and it can be any size: 100,000
        // characters is three times what one Table property holds.
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var begin = Begin(reserve: 300);
        var result = await grain.Begin(begin);
        var error = "{\"error\":\"" + new string('x', 100_000) + "\"}";
        await grain.Settle(Settle(begin, result.Reservation!, 100, 100) with { Outcome = RequestOutcome.UpstreamError, Error = error });

        var keyId = (await grain.GetSnapshot())!.KeyId;
        await fixture.Ledger.CopiedAsync(keyId, 1);
        var row = Assert.Single(await fixture.Ledger.RowsAsync(keyId));
        Assert.Equal(AuditRows.MaxErrorChars, row.Error!.Length);
        Assert.StartsWith(error[..1_000], row.Error, StringComparison.Ordinal);
        Assert.EndsWith("(truncated)", row.Error, StringComparison.Ordinal);
        Assert.Equal(300, row.CostMicros);
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(keyId, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task Editing_a_ledger_row_breaks_the_chain_where_it_was_edited()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        for (var i = 0; i < 3; i++)
        {
            var begin = Begin(reserve: 300);
            var result = await grain.Begin(begin);
            await grain.Settle(Settle(begin, result.Reservation!, 100, 100));
        }

        var keyId = (await grain.GetSnapshot())!.KeyId;
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(keyId, CancellationToken.None)).Ok);

        await fixture.Ledger.CopiedAsync(keyId, 3);
        var row = (await fixture.Tables.AccountFor(keyId).Ledger.GetEntityAsync<TableEntity>(keyId, TableKeys.Sequence(2))).Value;
        row["CostMicros"] = 1L;
        await fixture.Tables.AccountFor(keyId).Ledger.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);

        Assert.Equal(2, (await fixture.Ledger.Ledger.VerifyChainAsync(keyId, CancellationToken.None)).Break?.Sequence);
    }

    [Fact]
    public async Task Wrong_secret_and_revoked_key_are_denied()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        var wrong = Begin(300) with { SecretHash = ApiKeyFormat.Hash("not-it") };
        Assert.Equal(DenialReason.UnknownKey, (await grain.Begin(wrong)).Denial);

        await grain.Revoke("test");
        Assert.Equal(DenialReason.Revoked, (await grain.Begin(Begin(300))).Denial);
        Assert.Equal(KeyStatus.Revoked, (await grain.GetSnapshot())!.Status);
    }

    [Fact]
    public async Task Changes_racing_a_revocation_never_land_on_the_revoked_key()
    {
        var grain = await NewKeyAsync(capMicros: 1_000);
        var secrets = Enumerable.Range(0, 30).Select(i => $"rotated-{i}").ToList();

        // Updates, rotations and capture switches interleave with one revocation in the key's grain.
        var updates = Enumerable.Range(1, 30).Select(cap => grain.Update(new KeyChanges(null, cap * 10_000L, null, null, null, null))).ToList();
        var rotations = secrets.Select(s => grain.Rotate(ApiKeyFormat.Hash(s), TimeSpan.Zero, "test")).ToList();
        var captures = Enumerable.Range(0, 30).Select(i => grain.SetCapture(new ContentCapture($"reason {i}", "test", ClusterFixture.Time.GetUtcNow()))).ToList();
        var revoke = grain.Revoke("test");
        await Task.WhenAll(updates.Concat(rotations).Concat(captures).Cast<Task>().Append(revoke));
        var late = Enumerable.Range(31, 10).Select(cap => grain.Update(new KeyChanges(null, cap * 10_000L, null, null, null, null))).ToList();

        var final = (await grain.GetSnapshot())!;
        Assert.Equal(KeyStatus.Revoked, final.Status);
        var results = (await Task.WhenAll(updates.Concat(late))).ToList();
        Assert.All(results.TakeLast(late.Count), r => Assert.Equal(KeyChangeOutcome.Revoked, r.Outcome));
        Assert.All(results, r => Assert.NotEqual(KeyChangeOutcome.NotFound, r.Outcome));

        // The state is the last change applied before the revocation, never one refused after it.
        var appliedCaps = results.Where(r => r.Outcome == KeyChangeOutcome.Applied).Select(r => r.Key!.CapMicros).ToHashSet();
        Assert.True(appliedCaps.Count == 0 ? final.CapMicros == 1_000 : appliedCaps.Contains(final.CapMicros), $"cap {final.CapMicros}");
        Assert.All(results.Where(r => r.Outcome == KeyChangeOutcome.Revoked), r => Assert.Equal(final.CapMicros, r.Key!.CapMicros));

        // A refused rotation installed nothing: its secret is unknown to the key, not merely revoked.
        foreach (var (secret, rotation) in secrets.Zip(await Task.WhenAll(rotations)))
        {
            if (rotation.Outcome == KeyChangeOutcome.Revoked)
            {
                Assert.Equal(DenialReason.UnknownKey, (await grain.Begin(Begin(1) with { SecretHash = ApiKeyFormat.Hash(secret) })).Denial);
            }
        }

        Assert.Equal(KeyChangeOutcome.Revoked, (await grain.SetCapture(null)).Outcome);
        Assert.Equal(KeyChangeOutcome.NotFound, (await fixture.Client.GetGrain<IApiKeyGrain>(ApiKeyFormat.NewKeyId()).Update(new KeyChanges("x", null, null, null, null, null))).Outcome);
    }

    [Fact]
    public async Task Rotated_secret_keeps_working_only_within_its_grace()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        const string next = "the-next-secret";
        await grain.Rotate(ApiKeyFormat.Hash(next), TimeSpan.FromMinutes(5), "test");

        Assert.True((await grain.Begin(Begin(1))).Accepted, "the old secret works within the grace");
        Assert.True((await grain.Begin(Begin(1) with { SecretHash = ApiKeyFormat.Hash(next) })).Accepted);
        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(DenialReason.UnknownKey, (await grain.Begin(Begin(1))).Denial);
        Assert.True((await grain.Begin(Begin(1) with { SecretHash = ApiKeyFormat.Hash(next) })).Accepted);

        // Without a grace the old secret stops at once.
        const string third = "the-third-secret";
        await grain.Rotate(ApiKeyFormat.Hash(third), TimeSpan.Zero, "test");
        Assert.Equal(DenialReason.UnknownKey, (await grain.Begin(Begin(1) with { SecretHash = ApiKeyFormat.Hash(next) })).Denial);
        Assert.True((await grain.Begin(Begin(1) with { SecretHash = ApiKeyFormat.Hash(third) })).Accepted);
    }

    [Fact]
    public async Task Key_stops_working_at_its_expiry()
    {
        var keyId = ApiKeyFormat.NewKeyId();
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);
        await grain.Create(new CreateKeyCommand("u", null, 1_000_000, [], ApiKeyFormat.Hash(Secret), "test", ClusterFixture.Time.GetUtcNow().AddHours(1)));

        Assert.True((await grain.Begin(Begin(1))).Accepted);
        ClusterFixture.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(DenialReason.Expired, (await grain.Begin(Begin(1))).Denial);
    }

    [Fact]
    public async Task Requests_per_minute_limit_refuses_with_an_exact_retry_after()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        await grain.Update(new KeyChanges(null, null, null, null, Rpm: 3, Tpm: null));

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await grain.Begin(Begin(1))).Accepted);
        }

        var refused = await grain.Begin(Begin(1));
        Assert.Equal(DenialReason.RateLimited, refused.Denial);
        Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));
        ClusterFixture.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.True((await grain.Begin(Begin(1))).Accepted);
    }

    [Fact]
    public async Task Tokens_per_minute_limit_counts_the_reservation_then_the_actual_usage()
    {
        var grain = await NewKeyAsync(capMicros: 1_000_000);
        // Each Begin counts 100 prompt + 100 ceiling = 200 tokens until it settles.
        await grain.Update(new KeyChanges(null, null, null, null, Rpm: null, Tpm: 500));
        var first = Begin(1);
        var firstResult = await grain.Begin(first);
        Assert.True(firstResult.Accepted);
        Assert.True((await grain.Begin(Begin(1))).Accepted);
        Assert.Equal(DenialReason.RateLimited, (await grain.Begin(Begin(1))).Denial);

        // Settling the first at 20 tokens frees the rest of its estimate.
        await grain.Settle(Settle(first, firstResult.Reservation!, 10, 10));
        Assert.True((await grain.Begin(Begin(1))).Accepted);

        // A single request larger than the whole limit can never pass, and says so.
        var huge = Begin(1) with { OutputTokenCeiling = 10_000 };
        var refused = await grain.Begin(huge);
        Assert.Equal(DenialReason.RateLimited, refused.Denial);
        Assert.Null(refused.RetryAfter);
    }

    [Fact]
    public async Task Daily_budget_starts_again_at_midnight_utc_and_keeps_the_past_period()
    {
        var keyId = ApiKeyFormat.NewKeyId();
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(keyId);
        await grain.Create(new CreateKeyCommand("u", null, 600, [], ApiKeyFormat.Hash(Secret), "test", Period: BudgetPeriod.Daily));
        for (var i = 0; i < 2; i++)
        {
            var begin = Begin(reserve: 300);
            var result = await grain.Begin(begin);
            await grain.Settle(Settle(begin, result.Reservation!, 100, 100));
        }

        Assert.Equal(DenialReason.OverBudget, (await grain.Begin(Begin(reserve: 300))).Denial);
        var today = (await grain.GetSnapshot())!;
        Assert.Equal(600, today.SpentMicros);
        Assert.Equal(today.PeriodStart!.Value.AddDays(1), today.PeriodResetsAt);
        Assert.Equal(TimeSpan.Zero, today.PeriodStart.Value.TimeOfDay);

        ClusterFixture.Time.Advance(today.PeriodResetsAt!.Value - ClusterFixture.Time.GetUtcNow() + TimeSpan.FromMinutes(1));

        var tomorrow = (await grain.GetSnapshot())!;
        Assert.Equal(0, tomorrow.SpentMicros);
        var past = Assert.Single(tomorrow.PastPeriods);
        Assert.Equal((today.PeriodStart.Value, 600L, 2L), (past.Start, past.SpentMicros, past.Requests));
        var begun = Begin(reserve: 300);
        var accepted = await grain.Begin(begun);
        Assert.True(accepted.Accepted, "the cap applies afresh in the new period");
        await grain.Settle(Settle(begun, accepted.Reservation!, 100, 100));

        // Ledger identity per period: today's spend is the sum of the rows recorded since midnight.
        var rows = await fixture.Ledger.RowsAsync(keyId);
        var current = (await grain.GetSnapshot())!;
        Assert.Equal(current.SpentMicros, rows.Where(r => r.RecordedAt >= current.PeriodStart).Sum(r => r.CostMicros));
        Assert.Equal(900, rows.Sum(r => r.CostMicros));
    }

    private Task<int> JournalRowsAsync(string keyId) => fixture.Ledger.JournalRowCountAsync(keyId);
}
