using System.Net;
using Gateway.Storage;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The copy into the ledger and the journal's retirements wait their turn among the account's
/// background writes; a request never does. With the only place held, requests are served and
/// settled, their rows wait in the journal, and once the place is free they are copied and retired.
/// </summary>
public sealed class BackgroundWritesLaneTests(BackgroundWritesLaneTests.Fixture fixture) : IClassFixture<BackgroundWritesLaneTests.Fixture>
{
    public sealed class Fixture : GatewayFixture
    {
        protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
        {
            ["Gateway:Storage:BackgroundWritesInFlight"] = "1",
            ["Gateway:Storage:LedgerCopyLinger"] = "00:00:00.200",
        };
    }

    [Fact]
    public async Task Requests_are_served_while_background_writes_wait_and_their_rows_are_copied_once_a_place_is_free()
    {
        var key = await fixture.Admin.CreateKeyAsync("lane-user", 5m);
        var lane = fixture.Gateway.Services.GetRequiredService<GatewayTables>().AccountFor(key.KeyId).BackgroundWrites;
        var held = new TaskCompletionSource();
        var holder = lane.RunAsync(() => held.Task);

        for (var i = 0; i < 3; i++)
        {
            using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 5);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // All three settled (their rows are in the journal, which audit reads see), and the copy waits for the lane.
        await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(key.KeyId), rows => rows.Count == 3, TimeSpan.FromSeconds(20), "three settled rows");
        await Poll.UntilAsync(() => Task.FromResult(lane.Waiting), n => n >= 1, TimeSpan.FromSeconds(20), "the copy to wait for the lane");
        Assert.Empty(await fixture.Ledger.CopiedRowsAsync(key.KeyId));

        held.SetResult();
        await holder;
        await fixture.Ledger.CopiedAsync(key.KeyId, 3);
        Assert.Equal(3, (await fixture.Ledger.CopiedRowsAsync(key.KeyId)).Count);
    }
}
