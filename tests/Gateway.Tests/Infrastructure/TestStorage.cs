using System.Security.Cryptography;
using Gateway.Storage;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Tests run against a real Azurite (started by test.sh). Each fixture gets its own table prefix,
/// so test classes never see each other's rows.
/// </summary>
public static class TestStorage
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("GATEWAY_TEST_STORAGE") is { Length: > 0 } configured ? configured : StorageOptions.AzuriteDefault;

    public static string NewPrefix() => "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    /// <summary>The audit chain secret every test gateway and silo is given, so tests can verify (and forge) rows.</summary>
    public const string ChainSecret = "test-audit-chain-secret-for-the-suite-only-0123456789";

    public static AuditChainKey ChainKey { get; } = new(ChainSecret);

    /// <summary>The journal's shards as the gateways under test have them (the default count).</summary>
    public static Gateway.Storage.Journal.JournalShards Shards { get; } = new(Microsoft.Extensions.Options.Options.Create(new StorageOptions()));

    public static StorageOptions Options(string prefix) => new() { ConnectionString = ConnectionString, TablePrefix = prefix };

    /// <summary>The suite's account with its table endpoint moved to <paramref name="port"/> on this machine: another account, reachable or not.</summary>
    public static string AccountAt(int port) =>
        ConnectionString.Contains("TableEndpoint=", StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.Replace(ConnectionString, @"TableEndpoint=http://[^/]+/", $"TableEndpoint=http://127.0.0.1:{port}/")
            : throw new InvalidOperationException("GATEWAY_TEST_STORAGE names no TableEndpoint to derive another account's from; set GATEWAY_TEST_STORAGE_2.");

    /// <summary>Per-key rows spread over two accounts: the suite's Azurite (also the main account) and a second one (<see cref="SecondAccount"/>).</summary>
    public static StorageOptions TwoAccountOptions(string prefix) => new()
    {
        ConnectionString = ConnectionString, TablePrefix = prefix, LedgerAccounts = [ConnectionString, SecondAccount.ConnectionString],
    };

    /// <summary>The settings that give a test gateway <see cref="TwoAccountOptions"/>.</summary>
    public static Dictionary<string, string> TwoAccountSettings() => new()
    {
        [$"{StorageOptions.Section}:LedgerAccounts:0"] = ConnectionString,
        [$"{StorageOptions.Section}:LedgerAccounts:1"] = SecondAccount.ConnectionString,
    };

    public static Task<GatewayTables> CreateTablesAsync(string prefix) => CreateTablesAsync(Options(prefix));

    public static async Task<GatewayTables> CreateTablesAsync(StorageOptions options)
    {
        var tables = new GatewayTables(Microsoft.Extensions.Options.Options.Create(options));
        try
        {
            await tables.EnsureCreatedAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or Azure.RequestFailedException or AggregateException)
        {
            throw new InvalidOperationException("Azurite is not reachable on its table port: run the suite with ./test.sh, which starts it.", ex);
        }

        return tables;
    }

    /// <summary>The keys the journal sweep finds with rows started before <paramref name="before"/>: each shard's look-up, as its grain makes it, over every shard of every account.</summary>
    public static async Task<IReadOnlyList<string>> KeysTheSweepFindsAsync(Gateway.Storage.Journal.IntentJournal journal, DateTimeOffset before) =>
        [.. (await Task.WhenAll(journal.Shards.Select(s => journal.FindKeysWithRowsBeforeAsync(s.Account, s.Partition, before, CancellationToken.None))))
            .SelectMany(keys => keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
