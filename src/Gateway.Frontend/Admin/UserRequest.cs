using System.Text.Json;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Body of <c>POST /admin/v1/users</c> and <c>PATCH /admin/v1/users/{id}</c>: profile fields and the
/// user's budget (<c>capUsd</c>, <c>period</c>, <c>rpm</c>, <c>tpm</c>; see <see cref="BudgetFields"/>) and its spend controls (<see cref="SpendControlFields"/>).
/// </summary>
public sealed record UserRequest(string? Id, string? Name, string? Email, string? TeamId, JsonElement CapUsd, JsonElement Period, JsonElement Rpm, JsonElement Tpm,
    JsonElement MaxRequestUsd = default, JsonElement MaxInputTokens = default, JsonElement MaxConcurrent = default, JsonElement VelocityUsdPerHour = default,
    JsonElement VelocityMultiple = default);
