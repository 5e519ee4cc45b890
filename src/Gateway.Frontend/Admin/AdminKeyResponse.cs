using System.Text.Json.Serialization;
using Gateway.Storage.Admin;

namespace Gateway.Frontend.Admin;

/// <summary>An admin key as the API shows it; <see cref="Key"/> only in the response that mints it.</summary>
public sealed record AdminKeyResponse(
    string Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key,
    string Name,
    string Role,
    DateTimeOffset CreatedAt,
    bool Revoked)
{
    public static AdminKeyResponse From(AdminKeyRecord record) => new(record.Id, null, record.Name, record.Role, record.CreatedAt, record.Revoked);
}
