using Gateway.Core.Keys;
using Gateway.Core.Pricing;
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
        v1.MapGet("models", ListModels);
        return app;
    }

    private static void Map(RouteGroupBuilder group, ProxyRoute route, string path) =>
        group.MapPost(path, (HttpContext context, ProxyHandler handler) => handler.HandleAsync(context, route));

    /// <summary>The models this gateway can price that the key may use, in OpenAI's list format.</summary>
    private static async Task ListModels(HttpContext context, PriceTable prices, IGrainFactory grains, AuthFailureGuard guard, IOptions<FrontendOptions> options, TimeProvider time)
    {
        var client = context.Connection.RemoteIpAddress?.ToString();
        if (guard.RetryAfter(client) is { } wait)
        {
            await AuthFailureGuard.WriteThrottledAsync(context, ApiDialect.OpenAI, wait);
            return;
        }

        var presented = PresentedCredentials.ApiKey(context.Request, allowXApiKey: true);
        IReadOnlyList<string>? allowed = null;
        if (ApiKeyFormat.TryParse(presented, out var keyId, out var secret))
        {
            try
            {
                allowed = await grains.GetGrainFast<IApiKeyGrain>(keyId).Authenticate(ApiKeyFormat.Hash(secret)).WaitAsync(options.Value.BeginTimeout, time);
            }
            catch (Exception)
            {
                await ProviderErrors.WriteAsync(context, ApiDialect.OpenAI, 503, "The gateway cannot reach its cluster right now. Try again shortly.",
                    "gateway_unavailable", options.Value.UnavailableRetryAfter);
                return;
            }
        }

        if (allowed is null)
        {
            guard.Failed(client);
            await ProviderErrors.WriteAsync(context, ApiDialect.OpenAI, 401, "Incorrect API key provided.", "invalid_api_key");
            return;
        }

        var data = prices.Models
            .Where(id => ModelPattern.IsAllowed(allowed, id))
            .Order(StringComparer.Ordinal)
            .Select(id => new { id, @object = "model", created = 0, owned_by = "gateway" });
        await context.Response.WriteAsJsonAsync(new { @object = "list", data }, context.RequestAborted);
    }
}
