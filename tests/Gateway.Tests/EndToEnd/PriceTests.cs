using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Cli;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>Prices as data: set, changed and removed through the admin API and gatewayctl, applied without a restart, audited.</summary>
public sealed class PriceTests(PriceFixture fixture) : IClassFixture<PriceFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_price_set_for_an_unpriced_model_admits_it_and_charges_exactly_that_price()
    {
        var key = await fixture.Admin.CreateKeyAsync("pia", 10m);
        using (var refused = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 20, model: "acme-set"))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("model_not_found", error.GetProperty("code").GetString());
            Assert.Contains("gatewayctl prices set acme-set", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var set = await PutAsync("acme-set", """{"input": "3.00", "output": 7.5, "maxOutputTokens": 1000, "contextWindow": 50000}"""))
        {
            Assert.Equal(HttpStatusCode.Created, set.StatusCode);
            var body = JsonDocument.Parse(await set.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(3_000_000, body.GetProperty("inputMicrosPerMTok").GetInt64());
            Assert.Equal(7_500_000, body.GetProperty("outputMicrosPerMTok").GetInt64());
            Assert.Equal(3_000_000, body.GetProperty("cachedInputMicrosPerMTok").GetInt64());
            Assert.Equal("7.50", body.GetProperty("output").GetString());
            Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
        }

        using (var accepted = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 20, model: "acme-set"))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        // The refusal before the price was set has its row too; the accepted request is the one answered 200.
        var row = Assert.Single(await RowsAsync(key.KeyId, 2), r => r.HttpStatus == 200);
        Assert.Equal((3_000_000L, 7_500_000L), (row.PriceInputMicrosPerMTok, row.PriceOutputMicrosPerMTok));
        Assert.True(row.InputTokens > 0 && row.OutputTokens > 0);
        Assert.Equal(CostAt(row, 3_000_000, 7_500_000), row.CostMicros);
        Assert.Equal(row.CostMicros, (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task A_changed_price_charges_the_next_request_while_one_reserved_before_keeps_the_old_price()
    {
        var key = await fixture.Admin.CreateKeyAsync("chad", 10m);
        using (var first = await PutAsync("acme-change", """{"input": "1", "output": "2"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        // Reserved at $1/$2, then held upstream while the price changes.
        var held = GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 20, content: "hold on [sim:latency=3000]", model: "acme-change");
        await Poll.UntilAsync(() => fixture.Admin.GetKeyAsync(key.KeyId), s => s.GetProperty("inFlight").GetInt32() >= 1, Deadline, "the held request to be reserved");

        using (var changed = await PutAsync("acme-change", """{"input": "4", "output": "9"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        }

        using (var next = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 20, model: "acme-change"))
        {
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }

        using (var heldResponse = await held)
        {
            Assert.Equal(HttpStatusCode.OK, heldResponse.StatusCode);
        }

        var rows = await RowsAsync(key.KeyId, 2);
        var old = Assert.Single(rows, r => r.PriceInputMicrosPerMTok == 1_000_000);
        var current = Assert.Single(rows, r => r.PriceInputMicrosPerMTok == 4_000_000);
        Assert.Equal(CostAt(old, 1_000_000, 2_000_000), old.CostMicros);
        Assert.Equal(CostAt(current, 4_000_000, 9_000_000), current.CostMicros);
    }

    [Fact]
    public async Task A_removed_price_refuses_the_model_with_404_model_not_found()
    {
        var key = await fixture.Admin.CreateKeyAsync("remy", 10m);
        (await PutAsync("acme-remove", """{"input": "1", "output": "1"}""")).Dispose();
        using (var accepted = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 5, model: "acme-remove"))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using (var removed = await fixture.Admin.DeleteAsync("/admin/v1/prices/acme-remove"))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        using (var again = await fixture.Admin.DeleteAsync("/admin/v1/prices/acme-remove"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        using (var read = await fixture.Admin.GetAsync("/admin/v1/prices/acme-remove"))
        {
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        }

        using var refused = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 5, model: "acme-remove");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("model_not_found", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Every_price_change_is_in_the_admin_audit_with_the_price_before_and_after()
    {
        (await PutAsync("acme-audit", """{"input": "1.25", "output": "5"}""")).Dispose();
        (await PutAsync("acme-audit", """{"input": "2.50", "output": "5"}""")).Dispose();
        (await fixture.Admin.DeleteAsync("/admin/v1/prices/acme-audit")).Dispose();

        var page = await fixture.Admin.GetJsonAsync("/admin/v1/admin-audit?target=acme-audit");
        var items = page.GetProperty("items").EnumerateArray().Reverse().ToList();
        Assert.Equal(["price.set", "price.set", "price.remove"], items.Select(i => i.GetProperty("action").GetString()));
        Assert.All(items, i => Assert.False(string.IsNullOrEmpty(i.GetProperty("actor").GetString())));
        Assert.All(items, i => Assert.True(i.GetProperty("success").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("before").ValueKind);
        Assert.Equal(1_250_000, items[0].GetProperty("after").GetProperty("inputMicrosPerMTok").GetInt64());
        Assert.Equal(1_250_000, items[1].GetProperty("before").GetProperty("inputMicrosPerMTok").GetInt64());
        Assert.Equal(2_500_000, items[1].GetProperty("after").GetProperty("inputMicrosPerMTok").GetInt64());
        Assert.Equal(2_500_000, items[2].GetProperty("before").GetProperty("inputMicrosPerMTok").GetInt64());
        Assert.Equal(JsonValueKind.Null, items[2].GetProperty("after").ValueKind);
    }

    [Theory]
    [InlineData("acme-bad", """{"output": "1"}""", "input is required")]
    [InlineData("acme-bad", """{"input": "1", "output": -1}""", "output must be zero or more")]
    [InlineData("acme-bad", """{"input": "abc", "output": "1"}""", "input must be USD per million tokens")]
    [InlineData("acme-bad", """{"input": "1", "output": "1", "cachedInput": "0.0000001"}""", "cachedInput allows at most 6 decimal places")]
    [InlineData("acme-bad", """{"input": "1000000", "output": "1"}""", "input must be at most")]
    [InlineData("acme-bad", """{"input": "1", "output": "1", "maxOutputTokens": 0}""", "maxOutputTokens must be")]
    [InlineData("acme-bad", """{"input": "1", "output": "1", "contextWindow": "5"}""", "contextWindow must be")]
    [InlineData("acme-bad", """["not", "an", "object"]""", "JSON object")]
    [InlineData("bad%20name!", """{"input": "1", "output": "1"}""", "model (the rest of the path)")]
    [InlineData("-leading-dash", """{"input": "1", "output": "1"}""", "model (the rest of the path)")]
    public async Task Bad_price_bodies_and_names_are_refused_with_400_naming_the_field(string model, string body, string expected)
    {
        using var response = await PutAsync(model, body);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var read = await fixture.Admin.GetAsync("/admin/v1/prices/acme-bad");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task A_viewer_may_read_prices_but_not_change_them()
    {
        using var created = await fixture.Admin.PostAsJsonAsync("/admin/v1/admin-keys", new { name = "price-viewer", role = "viewer" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var viewer = new HttpClient { BaseAddress = new Uri(fixture.Gateway.BaseUrl) };
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString());

        var list = await viewer.GetJsonAsync("/admin/v1/prices");
        Assert.Contains(list.GetProperty("data").EnumerateArray(), p => p.GetProperty("model").GetString() == "gpt-4o-mini" && p.GetProperty("inputMicrosPerMTok").GetInt64() == 150_000);
        using var put = await viewer.PutAsync("/admin/v1/prices/gpt-4o-mini", new StringContent("""{"input": "0", "output": "0"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        using var delete = await viewer.DeleteAsync("/admin/v1/prices/gpt-4o-mini");
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(150_000, (await viewer.GetJsonAsync("/admin/v1/prices/gpt-4o-mini")).GetProperty("inputMicrosPerMTok").GetInt64());
    }

    [Fact]
    public async Task A_stale_version_in_if_match_is_refused_with_412_and_changes_nothing()
    {
        using var first = await PutAsync("acme-audit-etag", """{"input": "1", "output": "1"}""");
        var version = first.Headers.ETag!.Tag;
        using (var second = await PutAsync("acme-audit-etag", """{"input": "2", "output": "2"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        // Over the current version (as the response header gave it, weak prefix and all) a change is made.
        using var current = await fixture.Admin.GetAsync("/admin/v1/prices/acme-audit-etag");
        using var fresh = new HttpRequestMessage(HttpMethod.Put, "/admin/v1/prices/acme-audit-etag") { Content = new StringContent("""{"input": "2", "output": "2.5"}""", Encoding.UTF8, "application/json") };
        fresh.Headers.TryAddWithoutValidation("If-Match", current.Headers.GetValues("ETag").Single());
        using (var accepted = await fixture.Admin.SendAsync(fresh))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/v1/prices/acme-audit-etag") { Content = new StringContent("""{"input": "3", "output": "3"}""", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("If-Match", version);
        using var stale = await fixture.Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        var after = await fixture.Admin.GetJsonAsync("/admin/v1/prices/acme-audit-etag");
        Assert.Equal((2_000_000L, 2_500_000L), (after.GetProperty("inputMicrosPerMTok").GetInt64(), after.GetProperty("outputMicrosPerMTok").GetInt64()));
    }

    [Fact]
    public async Task Gatewayctl_sets_lists_shows_and_removes_a_price()
    {
        var set = await CliAsync("prices", "set", "acme-cli", "--input", "1.5", "--output", "2", "--cached-input", "0.075", "--cache-write-1h", "3.5", "--max-output-tokens", "4096", "--json");
        Assert.Equal(0, set.Exit);
        var json = JsonDocument.Parse(set.Out).RootElement;
        Assert.Equal((1_500_000L, 2_000_000L, 75_000L), (json.GetProperty("inputMicrosPerMTok").GetInt64(), json.GetProperty("outputMicrosPerMTok").GetInt64(), json.GetProperty("cachedInputMicrosPerMTok").GetInt64()));
        Assert.Equal(4096, json.GetProperty("maxOutputTokens").GetInt32());

        // The 1-hour write as given; the 5-minute write left out: 1.25 x $1.50 = $1.875.
        Assert.Equal((1_875_000L, 3_500_000L), (json.GetProperty("cacheWrite5mMicrosPerMTok").GetInt64(), json.GetProperty("cacheWrite1hMicrosPerMTok").GetInt64()));

        var list = await CliAsync("prices", "list");
        Assert.Equal(0, list.Exit);
        Assert.Contains("WRITE 5M/1M", list.Out, StringComparison.Ordinal);
        var line = Assert.Single(list.Out.Split('\n'), l => l.StartsWith("acme-cli ", StringComparison.Ordinal));
        Assert.Contains("$1.50", line, StringComparison.Ordinal);
        Assert.Contains("$0.075", line, StringComparison.Ordinal);
        Assert.Contains("$1.875", line, StringComparison.Ordinal);
        Assert.Contains("$3.50", line, StringComparison.Ordinal);

        var shown = await CliAsync("prices", "get", "ACME-CLI");
        Assert.Equal(0, shown.Exit);
        Assert.Contains("$2.00 per 1M tokens", shown.Out, StringComparison.Ordinal);
        Assert.Contains("$1.875 per 1M tokens", shown.Out, StringComparison.Ordinal);
        Assert.Contains("$3.50 per 1M tokens", shown.Out, StringComparison.Ordinal);

        Assert.Equal(2, (await CliAsync("prices", "set", "acme-cli", "--input", "-1", "--output", "1")).Exit);
        Assert.Equal(2, (await CliAsync("prices", "set", "acme-cli", "--input", "1", "--output", "0.0000001")).Exit);

        var removed = await CliAsync("prices", "remove", "acme-cli");
        Assert.Equal(0, removed.Exit);
        Assert.Contains("Removed the price of acme-cli", removed.Out, StringComparison.Ordinal);
        var gone = await CliAsync("prices", "get", "acme-cli");
        Assert.Equal(1, gone.Exit);
        Assert.Contains("No price for model", gone.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("acme-cli", (await CliAsync("prices", "list")).Out, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> PutAsync(string model, string body) =>
        fixture.Admin.PutAsync($"/admin/v1/prices/{model}", new StringContent(body, Encoding.UTF8, "application/json"));

    private async Task<List<AuditRecord>> RowsAsync(string keyId, int count) =>
        await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(keyId), rows => rows.Count >= count, Deadline, $"{count} settled rows", rows => $"{rows.Count} rows");

    /// <summary>The cost by hand: tokens times micro-dollars per million tokens, rounded up to the micro-dollar.</summary>
    private static long CostAt(AuditRecord row, long inputPerMTok, long outputPerMTok) =>
        ((row.InputTokens * inputPerMTok) + (row.OutputTokens * outputPerMTok) + 999_999) / 1_000_000;

    private async Task<(int Exit, string Out, string Err)> CliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new Dictionary<string, string?> { ["GATEWAY_URL"] = fixture.Gateway.BaseUrl, ["GATEWAY_ADMIN_KEY"] = GatewayServer.AdminKey };
        var exit = await GatewayCtl.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
