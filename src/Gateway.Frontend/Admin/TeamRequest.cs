using System.Text.Json;

namespace Gateway.Frontend.Admin;

/// <summary>Body of <c>POST /admin/v1/teams</c> and <c>PATCH /admin/v1/teams/{id}</c>: name and the team's budget.</summary>
public sealed record TeamRequest(string? Id, string? Name, JsonElement CapUsd, JsonElement Period, JsonElement Rpm, JsonElement Tpm,
    JsonElement MaxRequestUsd = default, JsonElement MaxInputTokens = default, JsonElement MaxConcurrent = default, JsonElement VelocityUsdPerHour = default,
    JsonElement VelocityMultiple = default);
