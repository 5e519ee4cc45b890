using System.Text.Json;
using Gateway.Simulator.Azure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// The model an OpenAI-shaped request is for, which is also the <c>model</c> its answer names.
/// On OpenAI's paths the body names a served model (else 404 <c>model_not_found</c>). On Azure's
/// every deployment exists and answers under its own name: the URL's deployment on the classic
/// shape (any body <c>model</c> is ignored, as Azure does), the body's <c>model</c> on the others.
/// </summary>
internal static class RequestedModel
{
    /// <summary>Reads the name; <see cref="EnsureServed"/> checks it, where each endpoint always has (after the body's other checks, for most).</summary>
    public static string Read(HttpContext context, JsonElement body, string missingMessage) =>
        context.Features.Get<AzureRequest>()?.Deployment ?? RequestJson.RequiredString(body, "model", missingMessage);

    public static void EnsureServed(HttpContext context, string model, ModelCatalog catalog)
    {
        if (context.Features.Get<AzureRequest>() is null && !catalog.Contains(model))
        {
            throw new InvalidSimRequestException(
                $"The model `{model}` does not exist or you do not have access to it.", param: null, StatusCodes.Status404NotFound, "model_not_found");
        }
    }

    /// <summary><see cref="Read"/> and <see cref="EnsureServed"/> at once.</summary>
    public static string Resolve(HttpContext context, JsonElement body, ModelCatalog catalog, string missingMessage)
    {
        var model = Read(context, body, missingMessage);
        EnsureServed(context, model, catalog);
        return model;
    }
}
