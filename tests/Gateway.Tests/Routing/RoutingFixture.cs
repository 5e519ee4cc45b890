using Gateway.Tests.EndToEnd;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Routing;

/// <summary>
/// A gateway with named upstreams of every kind, all served by the simulator: some through its
/// fault prefixes (<c>/_fault/429</c> answers 429 to everything), one at a port nobody listens on,
/// and routes that fail over from the broken ones to the working ones.
/// </summary>
public sealed class RoutingFixture : GatewayFixture
{
    /// <summary>A port nothing listens on: connecting to it is refused at once.</summary>
    public static readonly int ClosedPort = FreePorts.Next();

    protected override IReadOnlyDictionary<string, string> Extra => new Dictionary<string, string>
    {
        // Kinds: an OpenAI-compatible server, Azure OpenAI both ways, a second Anthropic account.
        ["Gateway:Upstreams:sim:Kind"] = "OpenAICompatible",
        ["Gateway:Upstreams:sim:BaseUrl"] = Simulator.BaseUrl,
        ["Gateway:Upstreams:sim:ApiKey"] = SimulatorServer.ProviderKey,
        ["Gateway:Upstreams:busy:Kind"] = "OpenAICompatible",
        ["Gateway:Upstreams:busy:BaseUrl"] = Simulator.BaseUrl + "/_fault/429",
        ["Gateway:Upstreams:broken:Kind"] = "OpenAICompatible",
        ["Gateway:Upstreams:broken:BaseUrl"] = Simulator.BaseUrl + "/_fault/503",
        ["Gateway:Upstreams:down:Kind"] = "OpenAICompatible",
        ["Gateway:Upstreams:down:BaseUrl"] = $"http://127.0.0.1:{ClosedPort}",
        ["Gateway:Upstreams:flaky:Kind"] = "OpenAICompatible",
        ["Gateway:Upstreams:flaky:BaseUrl"] = Simulator.BaseUrl + "/_fault/500",
        ["Gateway:Upstreams:flaky:CircuitBreaker:MinimumThroughput"] = "2",
        ["Gateway:Upstreams:flaky:CircuitBreaker:BreakDuration"] = "00:10:00",
        ["Gateway:Upstreams:slow:Kind"] = "OpenAICompatible",
        ["Gateway:Upstreams:slow:BaseUrl"] = Simulator.BaseUrl + "/_fault/slow10000",
        ["Gateway:Upstreams:slow:ApiKey"] = SimulatorServer.ProviderKey,
        ["Gateway:Upstreams:slow:Timeout"] = "00:00:00.300",
        ["Gateway:Upstreams:timed:Kind"] = "OpenAICompatible",
        ["Gateway:Upstreams:timed:BaseUrl"] = Simulator.BaseUrl,
        ["Gateway:Upstreams:timed:ApiKey"] = SimulatorServer.ProviderKey,
        ["Gateway:Upstreams:timed:Timeout"] = "00:00:00.300",
        ["Gateway:Upstreams:azure:Kind"] = "AzureOpenAI",
        ["Gateway:Upstreams:azure:BaseUrl"] = Simulator.BaseUrl,
        ["Gateway:Upstreams:azure:ApiKey"] = SimulatorServer.ProviderKey,
        ["Gateway:Upstreams:azure:ApiVersion"] = "2025-04-01-preview",
        ["Gateway:Upstreams:azure-v1:Kind"] = "AzureOpenAI",
        ["Gateway:Upstreams:azure-v1:BaseUrl"] = Simulator.BaseUrl,
        ["Gateway:Upstreams:azure-v1:ApiKey"] = SimulatorServer.ProviderKey,
        ["Gateway:Upstreams:azure-v1:ApiVersion"] = "v1",
        ["Gateway:Upstreams:anthropic-busy:Kind"] = "Anthropic",
        ["Gateway:Upstreams:anthropic-busy:BaseUrl"] = Simulator.BaseUrl + "/_fault/529",
        ["Gateway:Upstreams:anthropic-2:Kind"] = "Anthropic",
        ["Gateway:Upstreams:anthropic-2:BaseUrl"] = Simulator.BaseUrl,
        ["Gateway:Upstreams:anthropic-2:ApiKey"] = SimulatorServer.ProviderKey,

        // gpt-4o-mini: a busy deployment first, then the working one.
        ["Gateway:Routes:gpt-4o-mini:Deployments:0:Upstream"] = "busy",
        ["Gateway:Routes:gpt-4o-mini:Deployments:1:Upstream"] = "sim",
        ["Gateway:Routes:gpt-4o-mini:Deployments:1:Priority"] = "1",

        // gpt-4.1-mini: nobody home, then an Azure deployment of another name.
        ["Gateway:Routes:gpt-4.1-mini:Deployments:0:Upstream"] = "down",
        ["Gateway:Routes:gpt-4.1-mini:Deployments:1:Upstream"] = "azure",
        ["Gateway:Routes:gpt-4.1-mini:Deployments:1:Deployment"] = "mini-prod",
        ["Gateway:Routes:gpt-4.1-mini:Deployments:1:Priority"] = "1",

        // gpt-4.1: every deployment fails.
        ["Gateway:Routes:gpt-4.1:Deployments:0:Upstream"] = "busy",
        ["Gateway:Routes:gpt-4.1:Deployments:1:Upstream"] = "broken",
        ["Gateway:Routes:gpt-4.1:Deployments:1:Priority"] = "1",

        // Azure OpenAI's v1 API, and its deployment API for embeddings and responses.
        ["Gateway:Routes:gpt-4o:Deployments:0:Upstream"] = "azure-v1",
        ["Gateway:Routes:gpt-4o:Deployments:0:Deployment"] = "gpt4o-v1",
        ["Gateway:Routes:text-embedding-3-small:Deployments:0:Upstream"] = "azure",
        ["Gateway:Routes:text-embedding-3-small:Deployments:0:Deployment"] = "embed-prod",
        ["Gateway:Routes:gpt-5-mini:Deployments:0:Upstream"] = "azure",
        ["Gateway:Routes:gpt-5-mini:Deployments:0:Deployment"] = "five-mini",

        // A breaker that opens after two failures, in front of a fallback that knows the model by another name.
        ["Gateway:Routes:gpt-4.1-nano:Deployments:0:Upstream"] = "flaky",
        ["Gateway:Routes:gpt-4.1-nano:Deployments:1:Upstream"] = "sim",
        ["Gateway:Routes:gpt-4.1-nano:Deployments:1:Model"] = "gpt-4o-mini",
        ["Gateway:Routes:gpt-4.1-nano:Deployments:1:Priority"] = "1",

        // o4-mini: an upstream slower to answer than its timeout, then one with the same timeout that answers at once.
        ["Gateway:Routes:o4-mini:Deployments:0:Upstream"] = "slow",
        ["Gateway:Routes:o4-mini:Deployments:1:Upstream"] = "timed",
        ["Gateway:Routes:o4-mini:Deployments:1:Priority"] = "1",

        // An alias, over an overloaded Anthropic account and a working one.
        ["Gateway:Routes:claude-haiku-4-5:Aliases:0"] = "claude-haiku-latest",
        ["Gateway:Routes:claude-haiku-4-5:Deployments:0:Upstream"] = "anthropic-busy",
        ["Gateway:Routes:claude-haiku-4-5:Deployments:1:Upstream"] = "anthropic-2",
        ["Gateway:Routes:claude-haiku-4-5:Deployments:1:Priority"] = "1",

        // A model served only in Anthropic's format.
        ["Gateway:Routes:sim-small:Deployments:0:Upstream"] = "anthropic-2",
    };
}
