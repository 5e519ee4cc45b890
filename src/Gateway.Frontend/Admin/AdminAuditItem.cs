using System.Text.Json;
using Gateway.Storage.Admin;

namespace Gateway.Frontend.Admin;

/// <summary>One row of <c>GET /admin/v1/admin-audit</c>; before and after are the JSON values recorded.</summary>
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
    string? ClientAddress)
{
    public static AdminAuditItem From(AdminAuditEntry e) => new(e.At, e.Action, e.Actor, e.ActorName, e.Target, e.Success, e.Status, e.Detail,
        Parse(e.BeforeJson), Parse(e.AfterJson), e.ClientAddress);

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
