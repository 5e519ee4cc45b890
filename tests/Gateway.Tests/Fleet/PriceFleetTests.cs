using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// A price change made through one gateway process applies on another (a front-end-only process in
/// the same cluster, sharing storage) within its refresh interval, without a restart.
/// </summary>
public sealed class PriceFleetTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> FastRefresh = new() { ["Gateway:Prices:RefreshInterval"] = "00:00:01" };

    // The interval plus a generous margin for a loaded machine: well inside the 5 s the issue asks for.
    private static readonly TimeSpan Applied = TimeSpan.FromSeconds(5);

    private readonly string _prefix = TestStorage.NewPrefix();
    private readonly List<GatewayProcess> _processes = [];
    private SimulatorServer _simulator = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(_prefix);
        _simulator = await SimulatorServer.StartAsync(o => o.Models.Add("acme-fleet"));
    }

    [Fact]
    public async Task A_price_set_or_removed_through_one_process_applies_on_the_other_within_its_refresh_interval()
    {
        var cluster = "prices-" + _prefix;
        var first = await StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = "all" });
        var second = await StartAsync(new GatewaySettings(_prefix, cluster, _simulator.BaseUrl) { Role = "frontend" });
        using var admin = new HttpClient { BaseAddress = new Uri(first.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.AdminKey);
        var key = await admin.CreateKeyAsync("fleur", 10m);
        Assert.Equal(HttpStatusCode.NotFound, await ModelStatusAsync(second, key.Key));

        using (var set = await admin.PutAsync("/admin/v1/prices/acme-fleet", new StringContent("""{"input": "6", "output": "12"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, set.StatusCode);
        }

        await Poll.UntilAsync(async () => await ModelStatusAsync(second, key.Key) == HttpStatusCode.OK, Applied, "the other process to apply the new price");
        using (var chat = await GatewayChat.SendAsync(second.BaseUrl, key.Key, maxTokens: 10, model: "acme-fleet"))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        var ledger = new LedgerQueries(_prefix);
        var row = Assert.Single(await Poll.UntilAsync(() => ledger.RowsAsync(key.KeyId), rows => rows.Count >= 1, TimeSpan.FromSeconds(15), "the settled row"));
        Assert.Equal((6_000_000L, 12_000_000L), (row.PriceInputMicrosPerMTok, row.PriceOutputMicrosPerMTok));
        Assert.Equal(second.InstanceId, row.FrontendInstance);

        using (var removed = await admin.DeleteAsync("/admin/v1/prices/acme-fleet"))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        await Poll.UntilAsync(async () => await ModelStatusAsync(second, key.Key) == HttpStatusCode.NotFound, Applied, "the other process to apply the removal");
        using var refused = await GatewayChat.SendAsync(second.BaseUrl, key.Key, maxTokens: 10, model: "acme-fleet");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    /// <summary><c>GET /v1/models/acme-fleet</c> through <paramref name="process"/>: 200 when it prices the model, 404 when not.</summary>
    private static async Task<HttpStatusCode> ModelStatusAsync(GatewayProcess process, string key)
    {
        using var http = new HttpClient { BaseAddress = new Uri(process.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.GetAsync("/v1/models/acme-fleet");
        return response.StatusCode;
    }

    private async Task<GatewayProcess> StartAsync(GatewaySettings settings)
    {
        var process = await GatewayProcess.StartAsync(settings, FastRefresh);
        _processes.Add(process);
        return process;
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }
}
