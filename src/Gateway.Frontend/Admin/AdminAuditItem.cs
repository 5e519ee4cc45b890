using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Storage.Admin;

namespace Gateway.Frontend.Admin;

/// <summary>
/// One row of <c>GET /admin/v1/admin-audit</c>; before and after are the JSON values recorded (a value
/// too large to keep is <c>{"truncated": true, "length": …, "start": "…"}</c>). <c>pending</c>: written
/// before a change whose outcome never followed, so the change may or may not have happened.
/// <c>attempts</c>: failed authentications from one client address counted into this row.
/// </summary>
public sealed record AdminAuditItem(
    DateTimeOffset At,
    string Action,
    string? Actor,
    string? ActorName,
    string? Target,
    bool Success,
    int Status,
    string? Detail,
    JsonElement? Before,
    JsonElement? After,
    string? ClientAddress,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Pending,
    int Attempts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? LastAttemptAt)
{
    public static AdminAuditItem From(AdminAuditEntry e) => new(e.At, e.Action, e.Actor, e.ActorName, e.Target, e.Success, e.Status, e.Detail,
        Parse(e.BeforeJson), Parse(e.AfterJson), e.ClientAddress, e.Pending, e.Attempts, e.LastAttemptAt);

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Not written by this gateway's admin API; show it as the text it is rather than fail the page.
            return JsonSerializer.SerializeToElement(json);
        }
    }
}
