using System.Globalization;
using System.Text.Json;
using Gateway.Core.Ids;
using Gateway.Storage.Audit;

namespace Gateway.Frontend.Admin;

/// <summary>
/// A checked <c>GET /admin/v1/audit</c>: the scope, the filter every row must match, the page size,
/// and the continuation token to start from. Built only by <see cref="Parse"/>.
/// </summary>
public sealed record AuditQuery(AuditScope Scope, LedgerFilter Filter, int Limit, string? Continuation)
{
    public const int DefaultLimit = 100;

    /// <summary>A page is at most one Table Storage response per key, and small enough to hold in memory.</summary>
    public const int MaxLimit = 1000;

    public const int MaxModelLength = 100;
    public const int MaxRequestIdLength = 128;

    /// <summary>The outcomes rows are recorded with, named as in the ledger (<c>completed</c>, <c>upstream_error</c>, …).</summary>
    public static readonly IReadOnlyList<string> Outcomes =
        [.. Enum.GetValues<RequestOutcome>().Select(o => JsonNamingPolicy.SnakeCaseLower.ConvertName(o.ToString()))];

    /// <summary>The query, or why it is refused (a 400).</summary>
    public static (AuditQuery? Query, string? Problem) Parse(AuditQueryParameters p)
    {
        var scopes = new[] { p.KeyId is not null, p.UserId is not null, p.TeamId is not null, p.All == true }.Count(given => given);
        if (scopes != 1)
        {
            return (null, "Give exactly one of keyId, userId, teamId or all=true (all=true reads every key's rows: an unscoped report).");
        }

        AuditScope scope;
        if (p.KeyId is not null)
        {
            scope = new AuditScope(AuditScope.Key, p.KeyId);
        }
        else if (p.UserId is not null || p.TeamId is not null)
        {
            // An id outside the rule can name no user or team: answered as one that does not exist.
            var id = EntityId.TryNormalize(p.UserId ?? p.TeamId, out var normalized) ? normalized : p.UserId ?? p.TeamId;
            scope = new AuditScope(p.UserId is not null ? AuditScope.User : AuditScope.Team, id);
        }
        else
        {
            scope = new AuditScope(AuditScope.All, null);
        }

        if (p.Limit is < 1 or > MaxLimit)
        {
            return (null, $"limit must be between 1 and {MaxLimit} (default {DefaultLimit}).");
        }

        if (p.From is { } from && p.To is { } to && from >= to)
        {
            return (null, "from must be before to (from is included, to is not).");
        }

        if (p.Model is not null && !IsModelId(p.Model))
        {
            return (null, $"model must be a model id of 1 to {MaxModelLength} letters, digits, '.', '_', ':', '/' or '-', matched exactly.");
        }

        if (p.Outcome is not null && !Outcomes.Contains(p.Outcome, StringComparer.Ordinal))
        {
            return (null, $"outcome must be one of {string.Join(", ", Outcomes)}.");
        }

        if (p.RequestId is not null && (p.RequestId.Length is 0 or > MaxRequestIdLength || AdminText.HasForbiddenCharacter(p.RequestId)))
        {
            return (null, $"requestId is 1 to {MaxRequestIdLength} characters without control characters (as in the x-gateway-request-id header), matched exactly.");
        }

        if (p.Continuation is { Length: 0 or > AuditContinuation.MaxLength })
        {
            return (null, InvalidContinuation);
        }

        return (new AuditQuery(scope, new LedgerFilter(p.From, p.To, p.Model, p.Outcome, p.RequestId), p.Limit ?? DefaultLimit, p.Continuation), null);
    }

    public const string InvalidContinuation =
        "continuation is not one this query gave out: pass the next of the previous page unchanged, with the same scope (keyId, userId, teamId or all) and filters.";

    /// <summary>
    /// The scope and filters, one per line (no value can hold a newline), to which a continuation token
    /// is bound. The page size is left out: it may change from page to page.
    /// </summary>
    public string Fingerprint() => string.Join('\n',
        "audit-query/1",
        Scope.Kind + ":" + Scope.Id,
        Ticks(Filter.From),
        Ticks(Filter.To),
        "model:" + Filter.Model,
        "outcome:" + Filter.Outcome,
        "request:" + Filter.RequestId);

    private static string Ticks(DateTimeOffset? at) => at is { } t ? t.UtcTicks.ToString(CultureInfo.InvariantCulture) : "-";

    private static bool IsModelId(string model) =>
        model.Length is > 0 and <= MaxModelLength && model.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '/' or '-');
}
