using Gateway.Core.Keys;
using Orleans.Runtime;

namespace Gateway.Tests.Grains;

/// <summary>Kills a silo, so it has a cluster of its own.</summary>
public sealed class SiloFailureTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{

    [Fact]
    public async Task Spend_survives_the_death_of_the_silo_hosting_the_key()
    {
        var grain = await KeyGrainClusterTests.NewKeyAsync(fixture, capMicros: 1_000_000);
        for (var i = 0; i < 5; i++)
        {
            var begin = KeyGrainClusterTests.Begin(reserve: 300);
            var result = await grain.Begin(begin);
            await grain.Settle(KeyGrainClusterTests.Settle(begin, result.Reservation!, 100, 50 + i));
        }

        var before = (await grain.GetSnapshot())!;
        var host = await fixture.Client.GetGrain<IManagementGrain>(0).GetActivationAddress((IAddressable)grain);
        Assert.NotNull(host);
        var silo = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(host));

        await fixture.Cluster.KillSiloAsync(silo);
        var after = await Infrastructure.Poll.UntilAsync(() => grain.GetSnapshot(), s => s is not null, TimeSpan.FromSeconds(90), "reactivation on the surviving silo");

        Assert.Equal(before.SpentMicros, after!.SpentMicros);
        Assert.Equal(before.RequestCount, after.RequestCount);
        Assert.Equal(before.LedgerSequence, after.LedgerSequence);
    }
}
