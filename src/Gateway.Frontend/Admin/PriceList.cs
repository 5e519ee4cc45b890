namespace Gateway.Frontend.Admin;

/// <summary>Body of <c>GET /admin/v1/prices</c>: every price in the table, by model name.</summary>
public sealed record PriceList(IReadOnlyList<PriceResponse> Data);
