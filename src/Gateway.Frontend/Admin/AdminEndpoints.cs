using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Core;
using Gateway.Core.Keys;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

public static partial class AdminEndpoints
{
    private const long MaxCapMicros = 1_000_000 * Money.MicrosPerDollar;
    private const int MaxGraceSeconds = 7 * 24 * 3600;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/v1").AddEndpointFilter<AdminAuthorizationFilter>();
        admin.MapPost("/keys", CreateKeyAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "key.create", Mutates: true));
        admin.MapGet("/keys/{keyId}", GetKeyAsync).WithMetadata(new AdminRequirement(AdminRoles.Viewer, "key.read", Mutates: false));
        admin.MapPatch("/keys/{keyId}", UpdateKeyAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "key.update", Mutates: true));
        admin.MapPost("/keys/{keyId}/rotate", RotateKeyAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "key.rotate", Mutates: true));
        admin.MapPost("/keys/{keyId}/revoke", RevokeKeyAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "key.revoke", Mutates: true));
        admin.MapAdminKeyApi();
        admin.MapDirectoryApi();
        admin.MapContentApi();
        admin.MapAuditApi();
        admin.MapUsageApi();
        return app;
    }

    private static async Task<Results<Created<KeyResponse>, ProblemHttpResult>> CreateKeyAsync(HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateKeyRequest>(context, """{"userId": "alice", "capUsd": 20}""");
        if (request is null)
        {
            return BadRequest(error!);
        }

        if (string.IsNullOrWhiteSpace(request.UserId) || !IdPattern().IsMatch(request.UserId))
        {
            return BadRequest("userId is required: 1 to 128 letters, digits, '.', '_', '-' or '@'.");
        }

        if (request.CapUsd is not { } capUsd)
        {
            return BadRequest("capUsd is required: the most this key may spend, in USD.");
        }

        if (capUsd < 0)
        {
            return BadRequest("capUsd cannot be negative.");
        }

        var capMicros = capUsd > MaxCapMicros / Money.MicrosPerDollar ? long.MaxValue : Money.FromUsd(capUsd);
        if (capMicros > MaxCapMicros)
        {
            return BadRequest($"capUsd cannot exceed {MaxCapMicros / Money.MicrosPerDollar}.");
        }

        var models = request.Models ?? [];
        if (request.Name is { Length: > 64 })
        {
            return BadRequest("name is at most 64 characters.");
        }

        if (ValidateLimits(models, request.ExpiresAt, request.Rpm, request.Tpm, time.GetUtcNow()) is { } invalid)
        {
            return invalid;
        }

        if (!BudgetPeriods.TryParse(request.Period, out var period))
        {
            return BadRequest("period must be one of none, daily, weekly, monthly.");
        }

        var keyId = ApiKeyFormat.NewKeyId();
        var secret = ApiKeyFormat.NewSecret();
        var caller = AdminAuthorizationFilter.Caller(context);
        var snapshot = await grains.GetGrain<IUserGrain>(request.UserId).CreateKey(keyId,
            new CreateKeyCommand(request.UserId, request.Name, capMicros, models, ApiKeyFormat.Hash(secret), $"admin:{caller.Id}", request.ExpiresAt, request.Rpm, request.Tpm, period));
        if (snapshot is null)
        {
            var user = await grains.GetGrain<IUserGrain>(request.UserId).Get();
            return user is null
                ? AdminProblems.NotFound($"No user with id '{request.UserId}': create it first (POST /admin/v1/users).")
                : AdminProblems.Conflict($"User '{request.UserId}' is deactivated; no new keys can be issued to it.");
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        scope.Target = keyId;
        scope.After = KeyResponse.From(snapshot);
        return TypedResults.Created($"/admin/v1/keys/{keyId}", KeyResponse.From(snapshot, ApiKeyFormat.Compose(keyId, secret)));
    }

    private static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> GetKeyAsync(string keyId, IGrainFactory grains)
    {
        if (!ApiKeyFormat.IsValidKeyId(keyId))
        {
            return NotFound(keyId);
        }

        var snapshot = await grains.GetGrain<IApiKeyGrain>(keyId).GetSnapshot();
        return snapshot is null ? NotFound(keyId) : TypedResults.Ok(KeyResponse.From(snapshot));
    }

    private static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> UpdateKeyAsync(string keyId, HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var (request, error) = await AdminJson.ReadAsync<UpdateKeyRequest>(context, """{"capUsd": 50, "rpm": 60}""");
        if (request is null)
        {
            return BadRequest(error!);
        }

        if (!Is(request.Name, JsonValueKind.String) || !Is(request.CapUsd, JsonValueKind.Number) || !Is(request.Models, JsonValueKind.Array)
            || !Is(request.ExpiresAt, JsonValueKind.String, JsonValueKind.Null) || !Is(request.Rpm, JsonValueKind.Number, JsonValueKind.Null)
            || !Is(request.Tpm, JsonValueKind.Number, JsonValueKind.Null) || !Is(request.Period, JsonValueKind.String))
        {
            return BadRequest("name is a string, capUsd a number, models an array of patterns; expiresAt (a date), rpm and tpm (numbers) may also be null to remove them.");
        }

        KeyChanges changes;
        try
        {
            changes = new KeyChanges(
                Name: request.Name is { ValueKind: JsonValueKind.String } n ? n.GetString() : null,
                CapMicros: request.CapUsd is { ValueKind: JsonValueKind.Number } c ? ToCapMicros(c.GetDecimal()) : null,
                Models: request.Models is { ValueKind: JsonValueKind.Array } m ? m.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : null,
                ExpiresAt: request.ExpiresAt is { ValueKind: JsonValueKind.String } e1 ? e1.GetDateTimeOffset() : null,
                Rpm: request.Rpm is { ValueKind: JsonValueKind.Number } r ? r.GetInt32() : null,
                Tpm: request.Tpm is { ValueKind: JsonValueKind.Number } t ? t.GetInt64() : null,
                ClearExpiry: request.ExpiresAt is { ValueKind: JsonValueKind.Null },
                ClearRpm: request.Rpm is { ValueKind: JsonValueKind.Null },
                ClearTpm: request.Tpm is { ValueKind: JsonValueKind.Null },
                Period: request.Period is { ValueKind: JsonValueKind.String } p
                    ? BudgetPeriods.TryParse(p.GetString(), out var parsed) ? parsed : throw new FormatException("period must be one of none, daily, weekly, monthly.")
                    : null);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException or ArgumentOutOfRangeException)
        {
            return BadRequest($"A field has the wrong type or range: {ex.Message}");
        }

        if (changes.Name is { Length: 0 or > 64 })
        {
            return BadRequest("name is 1 to 64 characters.");
        }

        if (ValidateLimits(changes.Models, changes.ExpiresAt, changes.Rpm, changes.Tpm, time.GetUtcNow()) is { } invalid)
        {
            return invalid;
        }

        var grain = grains.GetGrain<IApiKeyGrain>(keyId);
        var before = ApiKeyFormat.IsValidKeyId(keyId) ? await grain.GetSnapshot() : null;
        var after = before is null ? null : await grain.Update(changes);
        if (after is null)
        {
            return NotFound(keyId);
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Before, scope.After) = (KeyResponse.From(before!), KeyResponse.From(after));
        return TypedResults.Ok(KeyResponse.From(after));
    }

    /// <summary>The checks a key's limits get, whether set at creation or changed later.</summary>
    private static ProblemHttpResult? ValidateLimits(IReadOnlyList<string>? models, DateTimeOffset? expiresAt, int? rpm, long? tpm, DateTimeOffset now)
    {
        if (models?.FirstOrDefault(p => string.IsNullOrWhiteSpace(p) || !ModelPatternSyntax().IsMatch(p)) is { } badPattern)
        {
            return BadRequest($"'{badPattern}' is not a model pattern: use a model id, or a prefix ending in '*' such as 'gpt-4o*'.");
        }

        if (expiresAt is { } expiry && expiry <= now)
        {
            return BadRequest($"expiresAt must be in the future; {expiry:O} has passed.");
        }

        return rpm is < 1 || tpm is < 1
            ? BadRequest("rpm and tpm must be at least 1 (leave them out, or set null on an update, for no limit).")
            : null;
    }

    /// <summary>Absent, or one of the kinds a field accepts.</summary>
    private static bool Is(JsonElement value, params JsonValueKind[] kinds) => value.ValueKind == JsonValueKind.Undefined || kinds.Contains(value.ValueKind);

    private static long ToCapMicros(decimal capUsd) =>
        capUsd < 0 || capUsd > MaxCapMicros / Money.MicrosPerDollar
            ? throw new ArgumentOutOfRangeException(nameof(capUsd), $"capUsd must be between 0 and {MaxCapMicros / Money.MicrosPerDollar}.")
            : Money.FromUsd(capUsd);

    private static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> RotateKeyAsync(string keyId, HttpContext context, IGrainFactory grains)
    {
        RotateKeyRequest? request = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            // The body is optional here: without one the old secret stops at once.
            (request, var error) = await AdminJson.ReadAsync<RotateKeyRequest>(context, """{"graceSeconds": 3600}""");
            if (request is null)
            {
                return BadRequest(error!);
            }
        }

        var graceSeconds = request?.GraceSeconds ?? 0;
        if (graceSeconds is < 0 or > MaxGraceSeconds)
        {
            return BadRequest($"graceSeconds must be between 0 and {MaxGraceSeconds} (7 days).");
        }

        if (!ApiKeyFormat.IsValidKeyId(keyId))
        {
            return NotFound(keyId);
        }

        var secret = ApiKeyFormat.NewSecret();
        var caller = AdminAuthorizationFilter.Caller(context);
        var snapshot = await grains.GetGrain<IApiKeyGrain>(keyId).Rotate(ApiKeyFormat.Hash(secret), TimeSpan.FromSeconds(graceSeconds), $"admin:{caller.Id}");
        if (snapshot is null)
        {
            return NotFound(keyId);
        }

        AdminAuthorizationFilter.Scope(context).After = new { graceSeconds, previousSecretValidUntil = snapshot.PreviousSecretValidUntil };
        return TypedResults.Ok(KeyResponse.From(snapshot, ApiKeyFormat.Compose(keyId, secret)));
    }

    private static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> RevokeKeyAsync(string keyId, HttpContext context, IGrainFactory grains)
    {
        if (!ApiKeyFormat.IsValidKeyId(keyId))
        {
            return NotFound(keyId);
        }

        var caller = AdminAuthorizationFilter.Caller(context);
        var grain = grains.GetGrain<IApiKeyGrain>(keyId);
        var before = await grain.GetSnapshot();
        var snapshot = before is null ? null : await grain.Revoke($"admin:{caller.Id}");
        if (snapshot is null)
        {
            return NotFound(keyId);
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Before, scope.After) = (new { status = KeyResponse.From(before!).Status }, new { status = KeyResponse.From(snapshot).Status, revokedAt = snapshot.RevokedAt });
        return TypedResults.Ok(KeyResponse.From(snapshot));
    }

    private static ProblemHttpResult BadRequest(string detail) => AdminProblems.BadRequest(detail);

    private static ProblemHttpResult NotFound(string keyId) => AdminProblems.NotFound($"No key with id '{keyId}'.");

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,128}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^(\*|[A-Za-z0-9._:/-]{1,100}\*?)$")]
    private static partial Regex ModelPatternSyntax();
}
