using Gateway.Core.Keys;
using Gateway.Frontend.Pricing;
using Gateway.Frontend.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Proxy;

public static class ProxyEndpoints
{
    /// <summary>The provider-compatible API: tools change only their base URL and key.</summary>
    public static IEndpointRouteBuilder MapProxyApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        Map(v1, ProxyRoute.ChatCompletions, "chat/completions");
        Map(v1, ProxyRoute.Completions, "completions");
        Map(v1, ProxyRoute.Embeddings, "embeddings");
        Map(v1, ProxyRoute.Responses, "responses");
        Map(v1, ProxyRoute.Messages, "messages");
        Map(v1, ProxyRoute.CountTokens, "messages/count_tokens");
        v1.MapGet("models", ListModels);
        v1.MapGet("models/{id}", GetModel);
        return app;
    }

    private static void Map(RouteGroupBuilder group, ProxyRoute route, string path) =>
        group.MapPost(path, (HttpContext context, ProxyHandler handler) => handler.HandleAsync(context, route));

    /// <summary>
    /// The models this gateway can price that the key may use, and the aliases of those: in
    /// Anthropic's list format when the caller speaks Anthropic's headers (<c>x-api-key</c> or
    /// <c>anthropic-version</c>), else OpenAI's.
    /// </summary>
    private static async Task ListModels(HttpContext context, PriceCatalog prices, UpstreamRouter router, IGrainFactory grains, AuthFailureGuard guard,
        IOptions<FrontendOptions> options, TimeProvider time)
    {
        var dialect = ErrorBodies.DialectOf(context.Request);
        if (await AllowedModelsAsync(context, dialect, grains, guard, options.Value, time) is not { } allowed)
        {
            return;
        }

        var table = prices.Current;
        var ids = table.Models.Concat(router.Aliases.Keys)
            .Where(id => table.TryGet(router.Resolve(id), out _) && ModelPattern.IsAllowed(allowed, router.Resolve(id)))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        object body = dialect == ApiDialect.Anthropic
            ? new { data = ids.Select(AnthropicModel), has_more = false, first_id = ids.FirstOrDefault(), last_id = ids.LastOrDefault() }
            : new { @object = "list", data = ids.Select(OpenAIModel) };
        await context.Response.WriteAsJsonAsync(body, context.RequestAborted);
    }

    /// <summary>One model, in the caller's format; 404 in that format when it is not priced here or the key may not use it.</summary>
    private static async Task GetModel(HttpContext context, string id, PriceCatalog prices, UpstreamRouter router, IGrainFactory grains, AuthFailureGuard guard,
        IOptions<FrontendOptions> options, TimeProvider time)
    {
        var dialect = ErrorBodies.DialectOf(context.Request);
        if (await AllowedModelsAsync(context, dialect, grains, guard, options.Value, time) is not { } allowed)
        {
            return;
        }

        var model = router.Resolve(id);
        if (!prices.Current.TryGet(model, out _) || !ModelPattern.IsAllowed(allowed, model))
        {
            await ProviderErrors.WriteAsync(context, dialect, 404, $"The model '{id}' does not exist or you do not have access to it.", "model_not_found");
            return;
        }

        await context.Response.WriteAsJsonAsync(dialect == ApiDialect.Anthropic ? AnthropicModel(id) : OpenAIModel(id), context.RequestAborted);
    }

    private static object OpenAIModel(string id) => new { id, @object = "model", created = 0, owned_by = "gateway" };

    private static object AnthropicModel(string id) => new { type = "model", id, display_name = id, created_at = DateTimeOffset.UnixEpoch };

    /// <summary>
    /// The model patterns the presented key may use, checked by its grain; null when the caller was
    /// refused (throttled, no valid key, cluster unreachable), with the refusal written in <paramref name="dialect"/>.
    /// </summary>
    private static async Task<IReadOnlyList<string>?> AllowedModelsAsync(HttpContext context, ApiDialect dialect, IGrainFactory grains, AuthFailureGuard guard, FrontendOptions options, TimeProvider time)
    {
        var client = context.Connection.RemoteIpAddress?.ToString();
        if (guard.RetryAfter(client) is { } wait)
        {
            await AuthFailureGuard.WriteThrottledAsync(context, dialect, wait);
            return null;
        }

        var presented = PresentedCredentials.ApiKey(context.Request, allowXApiKey: true);
        IReadOnlyList<string>? allowed = null;
        if (ApiKeyFormat.TryParse(presented, out var keyId, out var secret))
        {
            try
            {
                allowed = await grains.GetGrainFast<IApiKeyGrain>(keyId).Authenticate(ApiKeyFormat.Hash(secret)).WaitAsync(options.BeginTimeout, time);
            }
            catch (Exception)
            {
                await ProviderErrors.WriteAsync(context, dialect, 503, "The gateway cannot reach its cluster right now. Try again shortly.",
                    "gateway_unavailable", options.UnavailableRetryAfter);
                return null;
            }
        }

        if (allowed is null)
        {
            guard.Failed(client);
            await ProviderErrors.WriteAsync(context, dialect, 401, "Incorrect API key provided.", "invalid_api_key");
        }

        return allowed;
    }
}
