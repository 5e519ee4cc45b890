using Gateway.Simulator.Anthropic;
using Gateway.Simulator.Infrastructure;
using Gateway.Simulator.OpenAi;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Endpoints;

/// <summary>
/// GET /v1/models and /v1/models/{id}. Both providers serve this path with different bodies; a request
/// carrying <c>anthropic-version</c> comes from an Anthropic client and gets Anthropic's shape.
/// </summary>
internal sealed class ModelsEndpoint(ModelCatalog catalog, SimulatorStats stats)
{
    private const string AnthropicCreatedAt = "2025-01-01T00:00:00Z";

    public Task ListAsync(HttpContext context)
    {
        stats.Models();
        if (ProviderErrors.FormatOf(context.Request) == ProviderFormat.Anthropic)
        {
            var data = catalog.Ids.Select(id => new AnthropicModelInfo(id, id, AnthropicCreatedAt)).ToArray();
            return context.Response.WriteAsJsonAsync(
                new AnthropicModelList(data, HasMore: false, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id),
                WireJson.Anthropic.AnthropicModelList,
                contentType: null,
                context.RequestAborted);
        }

        var models = catalog.Ids.Select(Info).ToArray();
        return context.Response.WriteAsJsonAsync(new ModelList(models), WireJson.OpenAi.ModelList, contentType: null, context.RequestAborted);
    }

    public Task GetAsync(HttpContext context)
    {
        stats.Models();
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        if (!catalog.Contains(id))
        {
            throw new InvalidSimRequestException(
                $"The model `{id}` does not exist or you do not have access to it.", param: null, StatusCodes.Status404NotFound, "model_not_found");
        }

        return context.Response.WriteAsJsonAsync(Info(id), WireJson.OpenAi.ModelInfo, contentType: null, context.RequestAborted);
    }

    private static ModelInfo Info(string id) => new(id, ModelCatalog.CreatedUnixSeconds, ModelCatalog.OwnerOf(id));
}
