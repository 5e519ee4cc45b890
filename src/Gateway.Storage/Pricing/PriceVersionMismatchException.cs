namespace Gateway.Storage.Pricing;

/// <summary>A price change made over a version (<c>If-Match</c>) that is no longer the current one.</summary>
public sealed class PriceVersionMismatchException(string model, Exception inner)
    : Exception($"The price of '{model}' has changed since the version given.", inner)
{
    public string Model { get; } = model;
}
