using System.Globalization;
using Azure.Data.Tables;
using Gateway.Storage;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Audit;

/// <summary>
/// A ledger row is written into a transaction's body straight from the record, and sealed over a
/// canonical form written straight as UTF-8: both must be exactly what they were when each went
/// through a <see cref="TableEntity"/> and a string, or stored rows would change shape and old chains
/// would stop verifying.
/// </summary>
public sealed class LedgerRowFormTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 19, 30, 1, TimeSpan.Zero);

    /// <summary>Rows that between them use every column: nulls, the columns written only when not 0, a count, an upstream, text a URL or JSON escapes.</summary>
    private static IEnumerable<AuditRecord> Rows(string keyId)
    {
        var plain = new AuditRecord
        {
            KeyId = keyId,
            Sequence = 0,
            PreviousHash = "",
            RequestId = "req_plain",
            UserId = "user-1",
            Model = "gpt-4o-mini",
            Provider = "openai",
            Endpoint = "/v1/chat/completions",
            Outcome = "completed",
            FrontendInstance = "fe-1",
            Region = "westeurope",
            StartedAt = At,
            RecordedAt = At.AddTicks(1_234_567),
        };

        yield return plain;
        yield return plain with
        {
            RequestId = "req_full",
            TeamId = "team-é",
            Streaming = true,
            InputTokens = 1_200,
            OutputTokens = 340,
            CachedInputTokens = 1_000,
            UsageReported = true,
            ReservedMicros = 9_000,
            CostMicros = 7_345,
            PriceInputMicrosPerMTok = 2_500_000,
            PriceOutputMicrosPerMTok = 10_000_000,
            PriceCachedMicrosPerMTok = 1_250_000,
            HttpStatus = 200,
            LatencyMs = 812,
            ClientAddress = "2001:db8::1",
            CacheWrite5mTokens = 64,
            CacheWrite1hTokens = 32,
            ReasoningTokens = 128,
            PriceCacheWrite5mMicrosPerMTok = 3_125_000,
            PriceCacheWrite1hMicrosPerMTok = 5_000_000,
            OverReservationMicros = 345,
            Upstream = "azure-eu",
            Attempts = 2,
        };
        yield return plain with
        {
            RequestId = "req_denied",
            Outcome = "denied",
            Denial = "key_cap_exceeded",
            Error = "over the cap: \"quotes\", a back\\slash, a line\nbreak, 日本語 and an emoji 🧾",
            HttpStatus = 402,
            Count = 17,
            Upstream = "",
        };
    }

    [Theory]
    [InlineData(LedgerRowForm.Compact)]
    [InlineData(LedgerRowForm.Columns)]
    public async Task Rows_written_in_a_transaction_are_stored_as_the_SDK_stores_them(LedgerRowForm form)
    {
        foreach (var handWritten in new[] { true, false })
        {
            var prefix = TestStorage.NewPrefix();
            var options = TestStorage.Options(prefix);
            options.HandWrittenTransactions = handWritten;
            options.LedgerRows = form;
            var tables = await TestStorage.CreateTablesAsync(options);
            var ledger = new AuditLedger(tables, TestStorage.ChainKey, TestStorage.Shards);
            var keyId = "form" + prefix;
            var rows = Chain(ledger, Rows(keyId));

            // Through the gateway's transaction, and each row through the SDK's own insert beside it.
            await ledger.AppendAsync(rows, CancellationToken.None);
            var table = tables.AccountFor(keyId).Ledger;
            foreach (var row in rows)
            {
                var entity = row.ToEntity(form);
                entity.PartitionKey = "sdk" + keyId;
                await table.AddEntityAsync(entity);
            }

            foreach (var row in rows)
            {
                var written = (await table.GetEntityAsync<TableEntity>(keyId, row.ToEntity().RowKey)).Value;
                var reference = (await table.GetEntityAsync<TableEntity>("sdk" + keyId, row.ToEntity().RowKey)).Value;
                Assert.Equal(StoredProperties.Of(reference), StoredProperties.Of(written));
                Assert.Equal(row, AuditRecord.FromEntity(written));
                Assert.Equal(form == LedgerRowForm.Compact, written.ContainsKey("D"));
            }

            var verified = await ledger.VerifyChainAsync(keyId, CancellationToken.None);
            Assert.True(verified.Ok, $"{form}, handWritten {handWritten}: {verified.Break?.Detail}");
            Assert.Equal(rows.Count, verified.Rows);
        }
    }

    [Fact]
    public void A_compact_row_keeps_as_columns_what_queries_filter_on_and_the_rest_in_one_property()
    {
        var row = Chain(null, Rows("compact-key")).Single(r => r.RequestId == "req_full");

        var compact = row.ToEntity(LedgerRowForm.Compact);
        var columns = row.ToEntity(LedgerRowForm.Columns);

        string[] kept = ["RequestId", "UserId", "TeamId", "KeyId", "Model", "Outcome", "CostMicros", "StartedAt", "RecordedAt", "Sequence", "Hash"];
        Assert.Equal([.. kept.Append("D").Order(StringComparer.Ordinal)], compact.Keys.Except(["odata.etag", "PartitionKey", "RowKey"]).Order(StringComparer.Ordinal));
        foreach (var name in kept)
        {
            Assert.Equal(columns[name], compact[name]);
        }

        Assert.Equal(40, columns.Count - 2);
        Assert.Equal(row, AuditRecord.FromEntity(compact));
        Assert.Equal(row, AuditRecord.FromEntity(columns));
    }

    [Fact]
    public async Task A_chain_of_rows_in_both_forms_reads_back_and_verifies_whole()
    {
        // A deployment that wrote columns, then compact rows after an upgrade: one chain, both forms.
        var prefix = TestStorage.NewPrefix();
        var options = TestStorage.Options(prefix);
        var tables = await TestStorage.CreateTablesAsync(options);
        var ledger = new AuditLedger(tables, TestStorage.ChainKey, TestStorage.Shards);
        var keyId = "mixed" + prefix;
        var rows = Chain(ledger, Rows(keyId));
        var table = tables.AccountFor(keyId).Ledger;
        for (var i = 0; i < rows.Count; i++)
        {
            await table.AddEntityAsync(rows[i].ToEntity(i % 2 == 0 ? LedgerRowForm.Columns : LedgerRowForm.Compact));
        }

        var verified = await ledger.VerifyChainAsync(keyId, CancellationToken.None);
        Assert.True(verified.Ok, verified.Break?.Detail);
        Assert.Equal(rows.Count, verified.Rows);
        var read = new List<AuditRecord>();
        await foreach (var row in ledger.ReadAllAsync(keyId, CancellationToken.None))
        {
            read.Add(row);
        }

        Assert.Equal(rows, read);
    }

    [Fact]
    public async Task Editing_a_field_inside_a_compact_rows_JSON_breaks_the_chain_at_that_row()
    {
        var prefix = TestStorage.NewPrefix();
        var tables = await TestStorage.CreateTablesAsync(TestStorage.Options(prefix));
        var ledger = new AuditLedger(tables, TestStorage.ChainKey, TestStorage.Shards);
        var keyId = "edit" + prefix;
        var rows = Chain(ledger, Rows(keyId));
        await ledger.AppendAsync(rows, CancellationToken.None);
        var table = tables.AccountFor(keyId).Ledger;

        // Fewer output tokens on the full row: only its JSON changes, the columns do not.
        var stored = (await table.GetEntityAsync<TableEntity>(keyId, TableKeys.Sequence(2))).Value;
        Assert.Contains("\"Out\":340", stored.GetString("D"), StringComparison.Ordinal);
        stored["D"] = stored.GetString("D")!.Replace("\"Out\":340", "\"Out\":34", StringComparison.Ordinal);
        await table.UpdateEntityAsync(stored, Azure.ETag.All, TableUpdateMode.Replace);

        var verified = await ledger.VerifyChainAsync(keyId, CancellationToken.None);
        Assert.False(verified.Ok);
        Assert.Equal(2, verified.Break!.Sequence);
    }

    [Fact]
    public void A_sealed_row_hashes_the_canonical_form_it_always_had()
    {
        foreach (var row in Chain(null, Rows("canonical-key")))
        {
            var expected = CanonicalAsItWas(row);
            Assert.Equal(expected, row.Canonical());
            Assert.True(TestStorage.ChainKey.Verifies(expected, row.Hash), $"{row.RequestId}: the MAC is of the canonical form as it was");
            Assert.Equal(TestStorage.ChainKey.Mac(expected), row.Hash);
        }
    }

    [Fact]
    public void Text_that_is_not_valid_UTF_16_hashes_as_its_string_form_did()
    {
        // A lone surrogate is replaced when encoded, whether the text is encoded whole or field by
        // field: the bytes hashed are the same (the string read back shows the replacement character).
        var row = (Rows("surrogate-key").First() with { Error = "broken \ud800 pair", ClientAddress = "\udc00" }).Seal(TestStorage.ChainKey, 3, "previous-hash");
        Assert.Equal(TestStorage.ChainKey.Mac(CanonicalAsItWas(row)), row.Hash);
        Assert.True(TestStorage.ChainKey.Verifies(row.Canonical(), row.Hash));
        Assert.Equal(AuditChainKey.Sha256(CanonicalAsItWas(row)), row.ComputeHash());
    }

    /// <summary>The rows sealed one after another, as the key's chain seals them.</summary>
    private static List<AuditRecord> Chain(AuditLedger? ledger, IEnumerable<AuditRecord> rows)
    {
        var chained = new List<AuditRecord>();
        var previous = "";
        foreach (var row in rows)
        {
            var sealedRow = ledger?.Seal(row, chained.Count + 1, previous) ?? row.Seal(TestStorage.ChainKey, chained.Count + 1, previous);
            chained.Add(sealedRow);
            previous = sealedRow.Hash;
        }

        return chained;
    }

    /// <summary>The canonical form exactly as <c>AuditRecord.Canonical</c> built it until 2026-12-02: the fields joined into one string.</summary>
    private static string CanonicalAsItWas(AuditRecord r)
    {
        var canonical = string.Join('\n',
            r.PreviousHash, r.KeyId, r.Sequence.ToString(CultureInfo.InvariantCulture), r.RequestId, r.UserId, r.TeamId ?? "", r.Model, r.Provider, r.Endpoint,
            r.Streaming ? "1" : "0", Num(r.InputTokens), Num(r.OutputTokens), Num(r.CachedInputTokens), r.UsageReported ? "1" : "0",
            Num(r.ReservedMicros), Num(r.CostMicros), Num(r.PriceInputMicrosPerMTok), Num(r.PriceOutputMicrosPerMTok), Num(r.PriceCachedMicrosPerMTok),
            Num(r.HttpStatus), r.Outcome, r.Denial ?? "", r.Error ?? "", Num(r.LatencyMs), r.FrontendInstance, r.Region, r.ClientAddress ?? "",
            r.StartedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), r.RecordedAt.UtcTicks.ToString(CultureInfo.InvariantCulture));
        if (r.Count != 1)
        {
            canonical += "\n" + Num(r.Count);
        }

        if (r.OverReservationMicros != 0)
        {
            canonical += "\nover:" + Num(r.OverReservationMicros);
        }

        canonical += Named("w5m", r.CacheWrite5mTokens) + Named("w1h", r.CacheWrite1hTokens) + Named("reasoning", r.ReasoningTokens)
            + Named("pw5m", r.PriceCacheWrite5mMicrosPerMTok) + Named("pw1h", r.PriceCacheWrite1hMicrosPerMTok);
        if (r.Upstream is not null)
        {
            canonical += "\nupstream:" + r.Upstream + "\nattempts:" + Num(r.Attempts);
        }

        return canonical;

        static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

        static string Named(string name, long value) => value == 0 ? "" : "\n" + name + ":" + Num(value);
    }
}
