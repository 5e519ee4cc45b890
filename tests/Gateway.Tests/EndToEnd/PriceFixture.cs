using Gateway.Simulator;

namespace Gateway.Tests.EndToEnd;

/// <summary>A gateway whose simulator also serves models that <c>prices.json</c> does not price, and that re-reads its prices every 200 ms.</summary>
public sealed class PriceFixture : GatewayFixture
{
    public static readonly string[] UnpricedModels = ["acme-set", "acme-change", "acme-remove", "acme-audit", "acme-cli"];

    protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
    {
        ["Gateway:Prices:RefreshInterval"] = "00:00:00.200",
    };

    protected override void ConfigureSimulator(SimulatorOptions options) => options.Models.AddRange(UnpricedModels);
}
