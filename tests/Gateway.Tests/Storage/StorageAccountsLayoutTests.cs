using Azure.Data.Tables;
using Gateway.Storage;
using Gateway.Storage.Journal;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Storage;

/// <summary>How keys are placed on accounts, and what start-up refuses: a bad list, and a list that differs from the one the keys were placed on.</summary>
public sealed class StorageAccountsLayoutTests
{
    [Fact]
    public void Account_and_shard_are_chosen_independently_so_every_account_uses_every_shard()
    {
        var shards = new JournalShards(Options.Create(new StorageOptions { JournalShards = 2 }));
        var keys = Enumerable.Range(0, 4000).Select(i => $"k{i:x8}").ToList();
        var cells = keys.GroupBy(k => (KeyHash.Account(k, 2), shards.PartitionFor(k))).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, cells.Count);
        Assert.All(cells.Values, n => Assert.InRange(n, 850, 1150));
        Assert.Equal(KeyHash.Account("key7", 3), KeyHash.Account("key7", 3));
    }

    [Fact]
    public void A_duplicate_or_unparsable_account_is_refused_naming_the_setting_and_never_the_key()
    {
        var validator = new StorageOptionsValidator();
        var second = SecondEndpoint();
        Assert.True(validator.Validate(null, new StorageOptions { ConnectionString = TestStorage.ConnectionString, LedgerAccounts = [TestStorage.ConnectionString, second] }).Succeeded);

        var duplicate = validator.Validate(null, new StorageOptions { ConnectionString = TestStorage.ConnectionString, LedgerAccounts = [TestStorage.ConnectionString, second, TestStorage.ConnectionString] });
        Assert.Contains("Gateway:Storage:LedgerAccounts:2 names the account", duplicate.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("LedgerAccounts:0", duplicate.FailureMessage, StringComparison.Ordinal);

        var garbage = validator.Validate(null, new StorageOptions { LedgerAccounts = ["AccountKey=c2VjcmV0LWtleQ==;nonsense", ""] });
        Assert.Contains("Gateway:Storage:LedgerAccounts:0 is neither a storage connection string nor an https table endpoint", garbage.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Gateway:Storage:LedgerAccounts:1 is neither a storage connection string nor an https table endpoint", garbage.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LWtleQ==", garbage.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(20, true)]
    [InlineData(1000, true)]
    [InlineData(1001, false)]
    public void The_settled_rows_linger_is_between_zero_and_a_second(int milliseconds, bool valid)
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { JournalSettledLinger = TimeSpan.FromMilliseconds(milliseconds) });
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Gateway:Storage:JournalSettledLinger", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Compact", true)]
    [InlineData("Columns", true)]
    [InlineData("7", false)]
    public void The_ledger_row_form_is_one_of_the_two(string form, bool valid)
    {
        var options = new StorageOptions();
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["LedgerRows"] = form }).Build().Bind(options);

        var result = new StorageOptionsValidator().Validate(null, options);
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Gateway:Storage:LedgerRows", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_changed_account_list_is_refused_at_start_up()
    {
        var prefix = TestStorage.NewPrefix();
        var two = await TestStorage.CreateTablesAsync(TestStorage.TwoAccountOptions(prefix));
        await new AccountLayout(two).EnsureUnchangedAsync(CancellationToken.None);
        await new AccountLayout(two).EnsureUnchangedAsync(CancellationToken.None);

        var one = await TestStorage.CreateTablesAsync(prefix);
        var refused = await Assert.ThrowsAsync<StorageLayoutException>(() => new AccountLayout(one).EnsureUnchangedAsync(CancellationToken.None));
        Assert.Contains("LedgerAccounts", refused.Message, StringComparison.Ordinal);

        var reordered = TestStorage.TwoAccountOptions(prefix);
        reordered.LedgerAccounts.Reverse();
        reordered.LedgerAccounts.Add(reordered.LedgerAccounts[0].Replace("devstoreaccount1", "otheraccount", StringComparison.Ordinal));
        await Assert.ThrowsAsync<StorageLayoutException>(() => new AccountLayout(new GatewayTables(Options.Create(reordered))).EnsureUnchangedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_deployment_with_keys_from_before_several_accounts_is_refused_a_second_account()
    {
        // Rows written by a version that recorded no layout: keys in the main account alone.
        var prefix = TestStorage.NewPrefix();
        var legacy = await TestStorage.CreateTablesAsync(prefix);
        await legacy.Accounts[0].Ledger.AddEntityAsync(new TableEntity("some-key", TableKeys.Sequence(1)));

        var two = await TestStorage.CreateTablesAsync(TestStorage.TwoAccountOptions(prefix));
        await Assert.ThrowsAsync<StorageLayoutException>(() => new AccountLayout(two).EnsureUnchangedAsync(CancellationToken.None));
        await new AccountLayout(legacy).EnsureUnchangedAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Readiness_tells_apart_the_account_that_refuses_connections_and_the_one_that_never_answers()
    {
        // The main account's tables exist; the second account's address refuses, the third accepts and stays silent.
        var prefix = TestStorage.NewPrefix();
        await TestStorage.CreateTablesAsync(prefix);
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, FreePorts.Next());
        silent.Start();
        var held = new List<System.Net.Sockets.TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var client = await silent.AcceptTcpClientAsync();
                    lock (held)
                    {
                        held.Add(client);
                    }
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // Stopped at the end of the test.
            }
        });
        var tables = new GatewayTables(Options.Create(new StorageOptions
        {
            ConnectionString = TestStorage.ConnectionString,
            TablePrefix = prefix,
            LedgerAccounts = [TestStorage.ConnectionString, SecondEndpoint(), TestStorage.AccountAt(((System.Net.IPEndPoint)silent.LocalEndpoint).Port)],
        }));

        // Bounded: without the bound a silent account holds the probe for its retries' 4 x 10 s.
        var reachability = await tables.ProbeAccountsAsync(TimeSpan.FromSeconds(2), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(reachability.Main);
        Assert.Equal([true, false, false], reachability.Accounts);
        Assert.False(reachability.All);

        // The cluster page's timed probe says the same, account by account.
        var timed = await tables.TimeAccountsAsync(TimeSpan.FromSeconds(2), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([("main", true), ("keys-0", true), ("keys-1", false), ("keys-2", false)], timed.Select(p => (p.Holds, p.Reachable)));
        Assert.All(timed.Where(p => !p.Reachable), p => Assert.InRange(p.Milliseconds, 0, 10_000));
        silent.Stop();
        await accepting;
        held.ForEach(c => c.Dispose());
    }

    /// <summary>A second account's connection string without starting it: validation only parses (nothing listens on port 1).</summary>
    private static string SecondEndpoint() => TestStorage.AccountAt(1);
}
