using Gateway.Core;
using Gateway.Core.Ids;
using Gateway.Core.Keys;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

public static class AdminEndpoints
{
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
        admin.MapPriceApi();
        admin.MapUpstreamApi();
        admin.MapClusterApi();
        return app;
    }

    /// <summary>The answer to a change the key's grain refused or could not make: 404 or 409, else null.</summary>
    public static ProblemHttpResult? Refusal(string keyId, KeyChangeResult result) => result.Outcome switch
    {
        KeyChangeOutcome.NotFound => NotFound(keyId),
        KeyChangeOutcome.Revoked => AdminProblems.Conflict($"Key '{keyId}' is revoked; a revoked key cannot be changed, rotated or have capture switched. Create a new key instead."),
        _ => null,
    };

    private static async Task<Results<Created<KeyResponse>, ProblemHttpResult>> CreateKeyAsync(HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateKeyRequest>(context, """{"userId": "alice", "capUsd": 20}""");
        if (request is null)
        {
            return BadRequest(error!);
        }

        if (!EntityId.TryNormalize(request.UserId, out var userId))
        {
            return BadRequest($"userId is required: {EntityId.Rule}.");
        }

        if (KeyFields.Check(request, time.GetUtcNow()) is { } invalid)
        {
            return BadRequest(invalid);
        }

        if (!BudgetPeriods.TryParse(request.Period, out var period))
        {
            return BadRequest("period must be one of none, daily, weekly, monthly.");
        }

        var keyId = ApiKeyFormat.NewKeyId();
        var secret = ApiKeyFormat.NewSecret();
        var caller = AdminAuthorizationFilter.Caller(context);
        var user = grains.GetGrain<IUserGrain>(userId);
        var snapshot = await user.CreateKey(keyId, new CreateKeyCommand(userId, request.Name, Money.FromUsd(request.CapUsd!.Value), [.. (request.Models ?? []).OfType<string>()],
            ApiKeyFormat.Hash(secret), $"admin:{caller.Id}", request.ExpiresAt, request.Rpm, request.Tpm, period, KeyFields.Controls(request).Controls));
        if (snapshot is null)
        {
            return await user.Get() is null
                ? AdminProblems.NotFound($"No user with id '{userId}': create it first (POST /admin/v1/users).")
                : AdminProblems.Conflict($"User '{userId}' is deactivated; no new keys can be issued to it.");
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

        var (changes, invalid) = KeyFields.Parse(request, time.GetUtcNow());
        if (changes is null)
        {
            return BadRequest(invalid!);
        }

        var grain = grains.GetGrain<IApiKeyGrain>(keyId);
        var before = ApiKeyFormat.IsValidKeyId(keyId) ? await grain.GetSnapshot() : null;
        if (before is null)
        {
            return NotFound(keyId);
        }

        var result = await grain.Update(changes);
        if (Refusal(keyId, result) is { } refused)
        {
            return refused;
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Before, scope.After) = (KeyResponse.From(before), KeyResponse.From(result.Key!));
        return TypedResults.Ok(KeyResponse.From(result.Key!));
    }

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
        var result = await grains.GetGrain<IApiKeyGrain>(keyId).Rotate(ApiKeyFormat.Hash(secret), TimeSpan.FromSeconds(graceSeconds), $"admin:{caller.Id}");
        if (Refusal(keyId, result) is { } refused)
        {
            return refused;
        }

        AdminAuthorizationFilter.Scope(context).After = new { graceSeconds, previousSecretValidUntil = result.Key!.PreviousSecretValidUntil };
        return TypedResults.Ok(KeyResponse.From(result.Key, ApiKeyFormat.Compose(keyId, secret)));
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

    private static ProblemHttpResult NotFound(string keyId) => AdminProblems.NotFound($"No key with id '{AdminText.Echo(keyId)}'.");
}
