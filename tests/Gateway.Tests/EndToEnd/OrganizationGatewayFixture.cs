using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>A gateway whose OpenAI upstream is configured with an organisation and a project; betas keep their defaults.</summary>
public sealed class OrganizationGatewayFixture : GatewayFixture
{
    public const string Organization = "org-gateway-configured";
    public const string Project = "proj_gateway-configured";

    protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
    {
        ["Gateway:Upstreams:OpenAI:Organization"] = Organization,
        ["Gateway:Upstreams:OpenAI:Project"] = Project,
    };
}
