using Gateway.Core.Ids;

namespace Gateway.Tests.Grains;

/// <summary>A request's id carries when its front-end began it, which the key's grain reads to bound a look-up for its row.</summary>
public sealed class RequestIdsTests
{
    [Fact]
    public void An_id_gives_back_the_millisecond_its_request_began()
    {
        var startedAt = new DateTimeOffset(2026, 12, 3, 18, 30, 15, 123, TimeSpan.Zero).AddTicks(4_567);
        var id = RequestIds.New(startedAt);

        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 18, 30, 15, 123, TimeSpan.Zero), RequestIds.StartedAt(id));
        Assert.NotEqual(id, RequestIds.New(startedAt));
    }

    [Theory]
    [InlineData("3f2c8a1e9b7d4c6a8e0f1a2b3c4d5e6f")] // version 4: random, no time in it
    [InlineData("0192f3a4-b5c6-7d8e-9f01-23456789abcd")] // version 7, but not the 32-digit form
    [InlineData("0192f3a4b5c67d8e9f0123456789abc")] // 31 digits
    [InlineData("0192f3a4b5c67d8e9f0123456789abcg")] // not hex
    [InlineData("r-1")]
    [InlineData("")]
    public void An_id_not_made_here_gives_no_time(string requestId) =>
        Assert.Null(RequestIds.StartedAt(requestId));
}
