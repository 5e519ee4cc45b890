using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A user's and a team's budget sweep their holds from the moment they are created, not only after
/// their grain is next activated: a hold whose release was lost (its key's silo died) does not stay.
/// </summary>
public sealed class BudgetSweepTests(BudgetSweepTests.Fixture fixture) : IClassFixture<BudgetSweepTests.Fixture>
{
    public sealed class Fixture : GatewayFixture
    {
        protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
        {
            ["Gateway:Keys:SweepInterval"] = "00:00:01",
            ["Gateway:Keys:OrphanHoldAge"] = "00:00:01",
        };
    }

    [Fact]
    public async Task A_hold_with_no_intent_is_dropped_by_a_budget_created_in_this_activation()
    {
        using (var team = await fixture.Admin.PostAsync("/admin/v1/teams", new StringContent("""{"id":"sweepers"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(team.IsSuccessStatusCode, $"create team: {(int)team.StatusCode}");
        }

        using (var user = await fixture.Admin.PostAsync("/admin/v1/users", new StringContent("""{"id":"sweep-user","teamId":"sweepers"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(user.IsSuccessStatusCode, $"create user: {(int)user.StatusCode}");
        }

        var key = await fixture.Admin.CreateKeyAsync("sweep-user", 1m);

        // A hold as a key's grain takes it, for a request whose intent was never written and whose
        // release never came (as when the key's silo dies between the two).
        var grains = fixture.Gateway.Services.GetRequiredService<IGrainFactory>();
        var held = await grains.GetGrain<IUserGrain>("sweep-user").Reserve(new BudgetHold(key.KeyId, "lost-request-1", 1234, 10, DateTimeOffset.UtcNow));
        Assert.True(held.Accepted);
        Assert.Equal(1234, (await fixture.Admin.GetJsonAsync("/admin/v1/users/sweep-user")).GetProperty("budget").GetProperty("reservedMicros").GetInt64());

        await Poll.UntilAsync(async () => (await fixture.Admin.GetJsonAsync("/admin/v1/users/sweep-user")).GetProperty("budget").GetProperty("reservedMicros").GetInt64() == 0,
            TimeSpan.FromSeconds(20), "the user's budget to drop the orphaned hold");
        await Poll.UntilAsync(async () => (await fixture.Admin.GetJsonAsync("/admin/v1/teams/sweepers")).GetProperty("budget").GetProperty("reservedMicros").GetInt64() == 0,
            TimeSpan.FromSeconds(20), "the team's budget to drop the orphaned hold");
    }
}
