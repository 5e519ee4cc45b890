namespace Gateway.Frontend.Proxy;

/// <summary>
/// What a request may cost at most, and what it was worked out from. <see cref="Price"/> is null
/// for a model without a price (the key's grain refuses it after checking the key).
/// <see cref="InjectedCeiling"/> is the output ceiling the gateway writes into the forwarded body
/// because the request stated none and the API's own default is smaller than the model's maximum.
/// </summary>
public sealed record CostEstimate(
    string Model,
    bool Streaming,
    ModelPrice? Price,
    int PromptTokens,
    int Ceiling,
    bool CeilingDefaulted,
    long ReserveMicros,
    int? InjectedCeiling);
