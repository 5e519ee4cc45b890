using System.Globalization;
using Azure.Data.Tables;
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

    [Fact]
    public async Task Rows_written_in_a_transaction_are_stored_as_the_SDK_stores_them()
    {
        foreach (var handWritten in new[] { true, false })
        {
            var prefix = TestStorage.NewPrefix();
            var options = TestStorage.Options(prefix);
            options.HandWrittenTransactions = handWritten;
            var tables = await TestStorage.CreateTablesAsync(options);
            var ledger = new AuditLedger(tables, TestStorage.ChainKey, TestStorage.Shards);
            var keyId = "form" + prefix;
            var rows = Chain(ledger, Rows(keyId));

            // Through the gateway's transaction, and each row through the SDK's own insert beside it.
            await ledger.AppendAsync(rows, CancellationToken.None);
            var table = tables.AccountFor(keyId).Ledger;
            foreach (var row in rows)
            {
                var entity = row.ToEntity();
                entity.PartitionKey = "sdk" + keyId;
                await table.AddEntityAsync(entity);
            }

            foreach (var row in rows)
            {
                var written = (await table.GetEntityAsync<TableEntity>(keyId, row.ToEntity().RowKey)).Value;
                var reference = (await table.GetEntityAsync<TableEntity>("sdk" + keyId, row.ToEntity().RowKey)).Value;
                Assert.Equal(StoredProperties.Of(reference), StoredProperties.Of(written));
                Assert.Equal(row, AuditRecord.FromEntity(written));
            }

            var verified = await ledger.VerifyChainAsync(keyId, CancellationToken.None);
            Assert.True(verified.Ok, $"handWritten {handWritten}: {verified.Break?.Detail}");
            Assert.Equal(rows.Count, verified.Rows);
        }
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
