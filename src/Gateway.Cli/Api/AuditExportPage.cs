using System.Text.Json;

namespace Gateway.Cli.Api;

/// <summary>
/// A page of <c>GET /admin/v1/audit</c> as <c>audit export</c> reads it: each row as the JSON the gateway
/// sent, so JSON Lines keeps fields this CLI does not know and CSV reads the columns it does.
/// </summary>
internal sealed record AuditExportPage(IReadOnlyList<JsonElement>? Items, string? Next);
