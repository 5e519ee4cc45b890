using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Audit;

/// <summary>The ledger chain straight on Azurite: legacy plain SHA-256 rows before HMAC rows, aggregated rows, and another secret.</summary>
public sealed class LedgerChainTests
{
    private static AuditRecord Row(string keyId, long count = 1) => new()
    {
        KeyId = keyId,
        Sequence = 0,
        PreviousHash = "",
        RequestId = "req_" + Guid.NewGuid().ToString("N"),
        UserId = "chain-user",
        Model = "gpt-4o-mini",
        Provider = "openai",
        Endpoint = "/v1/chat/completions",
        CostMicros = 21,
        Outcome = "completed",
        FrontendInstance = "fe-test",
        Region = "test-region",
        RecordedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Count = count,
    };

    [Fact]
    public async Task Legacy_sha256_rows_followed_by_hmac_rows_verify_and_are_counted()
    {
        var prefix = TestStorage.NewPrefix();
        var tables = await TestStorage.CreateTablesAsync(prefix);
        var ledger = new AuditLedger(tables, TestStorage.ChainKey, TestStorage.Shards);
        var keyId = "legacy" + prefix;

        // Rows as the gateway wrote them before the HMAC: plain SHA-256, no scheme.
        var previous = "";
        var rows = new List<AuditRecord>();
        for (var seq = 1; seq <= 3; seq++)
        {
            var legacy = Row(keyId) with { Sequence = seq, PreviousHash = previous };
            legacy = legacy with { Hash = legacy.ComputeHash() };
            rows.Add(legacy);
            previous = legacy.Hash;
        }

        // Then sealed rows, one of them standing for repeated denials.
        rows.Add(ledger.Seal(Row(keyId, count: 7), 4, previous));
        rows.Add(ledger.Seal(Row(keyId), 5, rows[^1].Hash));
        await ledger.AppendAsync(rows, CancellationToken.None);

        var result = await ledger.VerifyChainAsync(keyId, new ChainHead(5, rows[^1].Hash, 0), CancellationToken.None);
        Assert.True(result.Ok, result.Break?.Detail);
        Assert.Equal((5L, 3L), (result.Rows, result.LegacyRows));

        // The same rows checked with another secret: the first HMAC row is where it breaks.
        var other = new AuditLedger(tables, new AuditChainKey("another-secret-that-is-long-enough-0123456789"), TestStorage.Shards);
        var foreign = await other.VerifyChainAsync(keyId, CancellationToken.None);
        Assert.Equal((ChainBreakKind.Edited, 4L), (foreign.Break?.Kind, foreign.Break?.Sequence));
    }

    [Fact]
    public async Task A_request_is_looked_for_in_the_whole_partition_or_only_after_the_sequence_given()
    {
        var prefix = TestStorage.NewPrefix();
        var tables = await TestStorage.CreateTablesAsync(prefix);
        var ledger = new AuditLedger(tables, TestStorage.ChainKey, TestStorage.Shards);
        var keyId = "lookup" + prefix;
        var rows = new List<AuditRecord>();
        for (var seq = 1; seq <= 5; seq++)
        {
            rows.Add(ledger.Seal(Row(keyId), seq, seq == 1 ? "" : rows[^1].Hash));
        }

        await ledger.AppendAsync(rows, CancellationToken.None);
        var second = rows[1].RequestId;

        Assert.True(await ledger.ContainsRequestAsync(keyId, second, afterSequence: -1, CancellationToken.None));
        Assert.True(await ledger.ContainsRequestAsync(keyId, second, afterSequence: 1, CancellationToken.None));

        // After its own sequence the row-key range starts past it: not found, so not read.
        Assert.False(await ledger.ContainsRequestAsync(keyId, second, afterSequence: 2, CancellationToken.None));
        Assert.False(await ledger.ContainsRequestAsync(keyId, "req_never_recorded", afterSequence: -1, CancellationToken.None));
    }
}
