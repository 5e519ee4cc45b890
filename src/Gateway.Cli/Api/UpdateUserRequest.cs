using System.Text.Json.Serialization;

namespace Gateway.Cli.Api;

/// <summary>
/// Body of <c>PATCH /admin/v1/users/{id}</c>. A field left null is omitted, and the gateway then
/// keeps its current value; there is no way to clear a field.
/// </summary>
internal sealed record UpdateUserRequest(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TeamId);
