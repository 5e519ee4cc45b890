namespace Gateway.Cli.Api;

/// <summary>Every price the gateway holds.</summary>
internal sealed record PriceList(IReadOnlyList<PriceDetails> Data);
