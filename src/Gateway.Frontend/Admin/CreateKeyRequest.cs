using System.Text.Json;

namespace Gateway.Frontend.Admin;

/// <summary>Body of <c>POST /admin/v1/keys</c>. The cap is in USD as a person writes it; it is stored as micro-dollars. Spend controls: <see cref="SpendControlFields"/>.</summary>
public sealed record CreateKeyRequest(string? UserId, decimal? CapUsd, IReadOnlyList<string?>? Models, string? Name, DateTimeOffset? ExpiresAt = null, int? Rpm = null, long? Tpm = null, string? Period = null,
    JsonElement MaxRequestUsd = default, JsonElement MaxInputTokens = default, JsonElement MaxConcurrent = default, JsonElement VelocityUsdPerHour = default,
    JsonElement VelocityMultiple = default);
