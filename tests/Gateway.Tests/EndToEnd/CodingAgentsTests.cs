using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;
using Microsoft.ML.Tokenizers;
using Xunit.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The real coding-agent CLIs, at the versions <c>tests/agents/package-lock.json</c> pins, pointed
/// at the gateway the way docs/coding-agents.md tells a developer to, with the simulator upstream:
/// each answers a prompt non-interactively, and each of its calls leaves a completed ledger row
/// with the tokens and the cost.
/// </summary>
public sealed class CodingAgentsTests(GatewayFixture fixture, ITestOutputHelper output) : IClassFixture<GatewayFixture>
{
    /// <summary>A CLI's whole run: start-up, its calls through the gateway, and its exit.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    private const string Prompt = "Say hello in one short sentence.";

    /// <summary>The simulator's tokenizer: its reported output tokens are this count of the text it returned.</summary>
    private static readonly Tokenizer O200k = TiktokenTokenizer.CreateForModel("gpt-4o");

    [Fact]
    public async Task Claude_code_answers_through_the_gateway_and_every_call_is_audited()
    {
        var key = await fixture.Admin.CreateKeyAsync("agent-claude", 5m);
        using var claude = AgentCli.Locate("GATEWAY_TEST_CLAUDE", "Claude Code");

        // Its default model has no price, and the gateway refuses what it cannot price: name a priced one.
        var run = await claude.RunAsync(
            ["-p", Prompt, "--model", "claude-haiku-4-5", "--permission-prompts", "none", "--no-session-persistence"],
            new Dictionary<string, string>
            {
                ["ANTHROPIC_BASE_URL"] = fixture.Gateway.BaseUrl,
                ["ANTHROPIC_API_KEY"] = key.Key,
                ["DISABLE_AUTOUPDATER"] = "1",
                ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
            },
            RunTimeout);

        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, $"claude failed: {run}");
        Assert.False(string.IsNullOrWhiteSpace(run.Stdout), $"claude printed no answer: {run}");
        await AssertAuditedAsync(key.KeyId, "/v1/messages", "claude-haiku-4-5", run.Stdout);
    }

    [Fact]
    public async Task Codex_answers_through_the_gateway_and_every_call_is_audited()
    {
        var key = await fixture.Admin.CreateKeyAsync("agent-codex", 5m);
        using var codex = AgentCli.Locate("GATEWAY_TEST_CODEX", "Codex");
        var codexHome = Directory.CreateDirectory(Path.Combine(codex.Home, ".codex")).FullName;
        await File.WriteAllTextAsync(Path.Combine(codexHome, "config.toml"), CodexConfig(fixture.Gateway.BaseUrl));

        var run = await codex.RunAsync(
            ["exec", "--strict-config", "--skip-git-repo-check", "--ephemeral", "--sandbox", "read-only", "--color", "never", Prompt],
            new Dictionary<string, string>
            {
                ["CODEX_HOME"] = codexHome,
                ["GATEWAY_API_KEY"] = key.Key,
            },
            RunTimeout);

        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, $"codex failed: {run}");
        Assert.False(string.IsNullOrWhiteSpace(run.Stdout), $"codex printed no answer: {run}");
        await AssertAuditedAsync(key.KeyId, "/v1/responses", "gpt-4o-mini", run.Stdout);
    }

    /// <summary>The gateway as a custom provider speaking the Responses API, its key read from an environment variable; no update check, no analytics.</summary>
    private static string CodexConfig(string gatewayUrl) => $"""
        model = "gpt-4o-mini"
        model_provider = "gateway"
        approval_policy = "never"
        check_for_update_on_startup = false

        [analytics]
        enabled = false

        [model_providers.gateway]
        name = "Gateway"
        base_url = "{gatewayUrl}/v1"
        env_key = "GATEWAY_API_KEY"
        wire_api = "responses"
        """;

    /// <summary>
    /// At least one completed, priced row on the agent's endpoint and model, and no other outcome
    /// for the key: whatever else the agent called must have been answered and accounted too. The
    /// answer the agent printed is the one a row accounts for.
    /// </summary>
    private async Task AssertAuditedAsync(string keyId, string endpoint, string model, string answer)
    {
        // The CLI can exit a moment before settlement commits: poll, with a deadline.
        var rows = await Poll.UntilAsync(
            () => fixture.Ledger.RowsAsync(keyId),
            r => r.Any(row => row.Endpoint == endpoint && row.Outcome == "completed"),
            TimeSpan.FromSeconds(10),
            $"a completed {endpoint} row of {keyId}",
            Describe);
        output.WriteLine("ledger: " + Describe(rows));

        Assert.All(rows, row => Assert.True(row.Outcome == "completed", $"every call of the agent completes: {Describe([row])}"));
        var answered = rows.Where(r => r.Endpoint == endpoint).ToList();
        Assert.NotEmpty(answered);
        Assert.All(answered, row =>
        {
            Assert.Equal((model, 200), (row.Model, row.HttpStatus));
            Assert.True(row.UsageReported, "the provider's usage reached the ledger");
            Assert.True(row.InputTokens > 0 && row.OutputTokens > 0, $"tokens on the row: {Describe([row])}");
            Assert.True(row.CostMicros > 0, $"a cost on the row: {Describe([row])}");
        });
        var printed = O200k.CountTokens(answer.Trim());
        Assert.True(answered.Any(r => r.OutputTokens == printed), $"a row's output tokens are the {printed} tokens of the printed answer: {Describe(answered)}");
    }

    private static string Describe(List<AuditRecord> rows) =>
        string.Join("; ", rows.Select(r => $"{r.Endpoint} {r.Model}{(r.Streaming ? " streamed" : "")} {r.Outcome} {r.HttpStatus} {r.Denial}{r.Error} in={r.InputTokens} out={r.OutputTokens} cost={r.CostMicros}"));
}
