using Azure;
using Azure.Data.Tables;
using Gateway.Storage.Journal;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Storage;

/// <summary>
/// An intent writes its own JSON into the journal's transaction (<c>IntentRowEntity</c>) rather than
/// going through a <see cref="TableEntity"/>: the stored row must be exactly what the SDK's insert of
/// <see cref="IntentEntry.ToEntity"/> stores, property for property and type for type, or recovery,
/// the sweep and the budget restores, which read intents back, would read something else.
/// </summary>
public sealed class IntentRowFormTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 23, 45, 6, TimeSpan.Zero);

    private static IEnumerable<IntentEntry> Intents(string partition, string keyId)
    {
        var plain = new IntentEntry
        {
            Partition = partition,
            RequestId = "req_plain_" + keyId,
            KeyId = keyId,
            UserId = "user-1",
            Model = "gpt-4o-mini",
            Provider = "openai",
            Endpoint = "/v1/chat/completions",
            FrontendInstance = "fe-1",
            Region = "westeurope",
            StartedAt = At.AddTicks(1_234_567),
        };

        yield return plain;
        yield return plain with
        {
            RequestId = "req_full_" + keyId,
            TeamId = "team-é",
            Streaming = true,
            ReservedMicros = 9_000,
            EstimatedInputTokens = 1_200,
            OutputTokenCeiling = 4_096,
            PriceInputMicrosPerMTok = 2_500_000,
            PriceOutputMicrosPerMTok = 10_000_000,
            PriceCachedMicrosPerMTok = 1_250_000,
            PriceCacheWrite5mMicrosPerMTok = 3_125_000,
            PriceCacheWrite1hMicrosPerMTok = 5_000_000,
            ClientAddress = "2001:db8::1",
            ChainSequence = 41,
        };
        yield return plain with
        {
            RequestId = "req_escaped_" + keyId,
            Model = "a \"quoted\" model\\with a line\nbreak, 日本語 and 🧾",
            Region = "</script>&<",
        };
    }

    [Fact]
    public async Task Intents_written_by_the_journal_are_stored_as_the_SDK_stores_them_and_read_back_equal()
    {
        foreach (var handWritten in new[] { true, false })
        {
            var prefix = TestStorage.NewPrefix();
            var options = TestStorage.Options(prefix);
            options.HandWrittenTransactions = handWritten;
            var tables = await TestStorage.CreateTablesAsync(options);
            await using var journal = new IntentJournal(tables, TestStorage.Shards, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System,
                NullLogger<IntentJournal>.Instance);
            var keyId = "intentform" + prefix;
            var partition = journal.PartitionFor(keyId);
            var intents = Intents(partition, keyId).ToList();

            // The first alone (a plain insert), the rest submitted together (a transaction, when they queue behind it).
            await journal.RecordAsync(intents[0]);
            await Task.WhenAll(intents.Skip(1).Select(journal.RecordAsync));

            var table = tables.AccountFor(keyId).Journal;
            foreach (var intent in intents)
            {
                await table.AddEntityAsync((intent with { Partition = "sdk" + partition }).ToEntity(JournalShards.KeyedRowKey(keyId, intent.RequestId)));
            }

            foreach (var intent in intents)
            {
                // Written under the key-prefixed row key (the default form), and read back as the request's.
                var rowKey = JournalShards.KeyedRowKey(keyId, intent.RequestId);
                Assert.Equal("~" + keyId + "!" + intent.RequestId, rowKey);
                var written = (await table.GetEntityAsync<TableEntity>(partition, rowKey)).Value;
                var reference = (await table.GetEntityAsync<TableEntity>("sdk" + partition, rowKey)).Value;
                Assert.Equal(StoredProperties.Of(reference), StoredProperties.Of(written));
                Assert.Equal(intent with { RowKey = rowKey }, IntentEntry.FromEntity(written) with { ETag = ETag.All });
            }

            var found = await journal.FindByKeyAsync(keyId, CancellationToken.None);
            Assert.Equal(intents.Select(i => i.RequestId).Order(StringComparer.Ordinal), found.Select(i => i.RequestId).Order(StringComparer.Ordinal));
        }
    }
}
