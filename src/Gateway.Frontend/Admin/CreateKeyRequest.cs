namespace Gateway.Frontend.Admin;

/// <summary>Body of <c>POST /admin/v1/keys</c>. The cap is in USD as a person writes it; it is stored as micro-dollars.</summary>
public sealed record CreateKeyRequest(string? UserId, decimal? CapUsd, IReadOnlyList<string?>? Models, string? Name, DateTimeOffset? ExpiresAt = null, int? Rpm = null, long? Tpm = null, string? Period = null);
