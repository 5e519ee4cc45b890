using System.Text.Json;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Body of <c>PATCH /admin/v1/keys/{keyId}</c>: any of the fields; a field that is absent stays as
/// it is, and <c>null</c> for <c>expiresAt</c>, <c>rpm</c> or <c>tpm</c> removes that limit.
/// </summary>
public sealed record UpdateKeyRequest(JsonElement Name, JsonElement CapUsd, JsonElement Models, JsonElement ExpiresAt, JsonElement Rpm, JsonElement Tpm, JsonElement Period,
    JsonElement MaxRequestUsd = default, JsonElement MaxInputTokens = default, JsonElement MaxConcurrent = default, JsonElement VelocityUsdPerHour = default,
    JsonElement VelocityMultiple = default);
