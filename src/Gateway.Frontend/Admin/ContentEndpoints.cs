using System.Text.Json;
using Gateway.Core.Keys;
using Gateway.Storage.Admin;
using Gateway.Storage.Content;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>Content capture: switched per key by an admin with a reason, read back by auditors.</summary>
public static class ContentEndpoints
{
    public const int MaxReasonLength = 500;

    public static RouteGroupBuilder MapContentApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/keys/{keyId}/capture", SetCaptureAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "key.capture", Mutates: true));
        admin.MapGet("/keys/{keyId}/content/{requestId}", GetContentAsync).WithMetadata(new AdminRequirement(AdminRoles.Auditor, "content.read", Mutates: true));
        return admin;
    }

    private static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> SetCaptureAsync(string keyId, HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var (request, error) = await AdminJson.ReadAsync<CaptureRequest>(context, """{"enabled": true, "reason": "INC-1234 investigation"}""");
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        if (request.Enabled is not { } enabled)
        {
            return AdminProblems.BadRequest("enabled (true or false) is required.");
        }

        // A reason is kept trimmed; what is left must be something a reader of the audit can see.
        var badReason = !enabled ? null
            : request.Reason is { } reason ? AdminText.Check("reason", reason.Trim(), MaxReasonLength)
            : "reason is required.";
        if (badReason is not null)
        {
            return AdminProblems.BadRequest($"Switching content capture on needs a reason, which is recorded in the admin audit: {badReason}");
        }

        var grain = grains.GetGrain<IApiKeyGrain>(keyId);
        var before = ApiKeyFormat.IsValidKeyId(keyId) ? await grain.GetSnapshot() : null;
        if (before is null)
        {
            return AdminProblems.NotFound($"No key with id '{AdminText.Echo(keyId)}'.");
        }

        var caller = AdminAuthorizationFilter.Caller(context);
        var result = await grain.SetCapture(enabled ? new ContentCapture(request.Reason!.Trim(), $"admin:{caller.Id}", time.GetUtcNow()) : null);
        if (AdminEndpoints.Refusal(keyId, result) is { } refused)
        {
            return refused;
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Before, scope.After) = (new { capture = before.Capture }, new { capture = result.Key!.Capture });
        return TypedResults.Ok(KeyResponse.From(result.Key));
    }

    /// <summary>Reading captured content is itself audited (the route counts as a change for the trail).</summary>
    private static async Task<Results<Ok<CapturedContent>, ProblemHttpResult>> GetContentAsync(string keyId, string requestId, ContentStore content, CancellationToken cancellationToken)
    {
        var found = ApiKeyFormat.IsValidKeyId(keyId) && requestId.Length is > 0 and <= 64 && requestId.All(char.IsAsciiLetterOrDigit)
            ? await content.FindAsync(keyId, requestId, cancellationToken)
            : null;
        return found is { } c
            ? TypedResults.Ok(new CapturedContent(keyId, requestId, c.Prompt, c.Completion))
            : AdminProblems.NotFound($"No captured content for request '{requestId}' of key '{keyId}' (capture may have been off, or the content expired).");
    }
}
