using Gateway.Core.Pricing;
using Gateway.Frontend.Pricing;
using Gateway.Storage.Admin;
using Gateway.Storage.Pricing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Model prices as data: listed and read by viewers, set and removed by admins. A change is
/// written to the prices table, applied on this front-end at once and on every other within
/// <c>Gateway:Prices:RefreshInterval</c>, and audited with the price before and after. The model
/// is the rest of the path, so names with a slash (<c>meta-llama/Llama-3.1-8B-Instruct</c>) need no escaping.
/// </summary>
public static class PriceEndpoints
{
    private const string Example = """{"input": "2.50", "output": "10.00", "cachedInput": "1.25", "cacheWrite5m": "3.125", "cacheWrite1h": "5.00", "maxOutputTokens": 16384, "contextWindow": 128000}""";

    public static RouteGroupBuilder MapPriceApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/prices", ListAsync).WithMetadata(new AdminRequirement(AdminRoles.Viewer, "price.list", Mutates: false));
        admin.MapGet("/prices/{**model}", GetAsync).WithMetadata(new AdminRequirement(AdminRoles.Viewer, "price.read", Mutates: false));
        admin.MapPut("/prices/{**model}", SetAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "price.set", Mutates: true));
        admin.MapDelete("/prices/{**model}", RemoveAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "price.remove", Mutates: true));
        return admin;
    }

    private static async Task<Ok<PriceList>> ListAsync(HttpContext context, PriceStore store)
    {
        var prices = await store.ListAsync(context.RequestAborted);
        return TypedResults.Ok(new PriceList([.. prices.Select(PriceResponse.From).OrderBy(p => p.Model, StringComparer.OrdinalIgnoreCase)]));
    }

    private static async Task<Results<Ok<PriceResponse>, ProblemHttpResult>> GetAsync(string model, HttpContext context, PriceStore store)
    {
        var price = PricedModelName.IsValid(model) ? await store.GetAsync(model, context.RequestAborted) : null;
        if (price is null)
        {
            return NotFound(model);
        }

        context.Response.Headers.ETag = price.Version;
        return TypedResults.Ok(PriceResponse.From(price));
    }

    private static async Task<Results<Created<PriceResponse>, Ok<PriceResponse>, ProblemHttpResult>> SetAsync(
        string model, HttpContext context, PriceStore store, PriceCatalog catalog, TimeProvider time)
    {
        if (!PricedModelName.IsValid(model))
        {
            return AdminProblems.BadRequest($"model (the rest of the path) must be {PricedModelName.Rule}; got '{AdminText.Echo(model)}'.");
        }

        var (request, error) = await AdminJson.ReadAsync<PriceRequest>(context, Example);
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        var caller = AdminAuthorizationFilter.Caller(context);
        var (price, invalid) = PriceFields.Parse(model, request, time.GetUtcNow(), $"admin:{caller.Id}");
        if (price is null)
        {
            return AdminProblems.BadRequest(invalid!);
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        scope.Target = model;
        var before = await store.GetAsync(model, context.RequestAborted);
        StoredPrice after;
        try
        {
            after = await store.PutAsync(price, IfMatch(context), context.RequestAborted);
        }
        catch (PriceVersionMismatchException)
        {
            return VersionMismatch(model);
        }

        await ApplyHereAsync(catalog);
        (scope.Before, scope.After) = (before is null ? null : PriceResponse.From(before), PriceResponse.From(after));
        context.Response.Headers.ETag = after.Version;
        var response = PriceResponse.From(after);
        return before is null
            ? TypedResults.Created($"/admin/v1/prices/{Uri.EscapeDataString(model).Replace("%2F", "/", StringComparison.Ordinal)}", response)
            : TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<PriceResponse>, ProblemHttpResult>> RemoveAsync(string model, HttpContext context, PriceStore store, PriceCatalog catalog)
    {
        var before = PricedModelName.IsValid(model) ? await store.GetAsync(model, context.RequestAborted) : null;
        if (before is null)
        {
            return NotFound(model);
        }

        AdminAuthorizationFilter.Scope(context).Target = model;
        try
        {
            if (!await store.DeleteAsync(model, IfMatch(context), context.RequestAborted))
            {
                return NotFound(model);
            }
        }
        catch (PriceVersionMismatchException)
        {
            return VersionMismatch(model);
        }

        await ApplyHereAsync(catalog);
        AdminAuthorizationFilter.Scope(context).Before = PriceResponse.From(before);
        return TypedResults.Ok(PriceResponse.From(before));
    }

    /// <summary>
    /// The change is durable; this front-end reads the table again so its own next request sees it
    /// (the others do within their refresh interval). CancellationToken.None: the change is made
    /// whether or not the caller waits, and the read is bounded by the table client's timeout.
    /// </summary>
    private static Task ApplyHereAsync(PriceCatalog catalog) => catalog.RefreshAsync(CancellationToken.None);

    /// <summary>
    /// The version a change is made over, if the caller gave one. Table Storage's ETags are weak
    /// (<c>W/"…"</c>) and many HTTP clients hand back only the quoted part, so that is accepted too.
    /// </summary>
    private static string? IfMatch(HttpContext context) =>
        context.Request.Headers.IfMatch is [{ Length: > 0 } version] && version != "*"
            ? version.StartsWith("W/", StringComparison.Ordinal) ? version : "W/" + version
            : null;

    private static ProblemHttpResult NotFound(string model) =>
        AdminProblems.NotFound($"No price for model '{AdminText.Echo(model)}'. Set one with PUT /admin/v1/prices/{{model}} (gatewayctl prices set).");

    private static ProblemHttpResult VersionMismatch(string model) =>
        TypedResults.Problem($"The price of '{AdminText.Echo(model)}' has changed since the version in If-Match; read it again and retry.",
            statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed");
}
