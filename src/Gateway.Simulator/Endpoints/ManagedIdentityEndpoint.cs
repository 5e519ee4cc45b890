using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Simulator.Azure;
using Gateway.Simulator.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Endpoints;

/// <summary>
/// GET /msi/token: the managed-identity token endpoint of App Service and Container Apps, as
/// Azure.Identity (through MSAL) calls it when <c>IDENTITY_ENDPOINT</c> and <c>IDENTITY_HEADER</c>
/// are set: <c>?resource=…&amp;api-version=2019-08-01[&amp;client_id=…]</c> with the secret in
/// <c>X-IDENTITY-HEADER</c>. Not a provider endpoint: neither recorded nor behind the API key.
/// </summary>
internal sealed class ManagedIdentityEndpoint(IOptions<SimulatorOptions> options, ManagedIdentityTokens tokens, SimulatorStats stats)
{
    public const string Path = "/msi";
    public const string TokenPath = Path + "/token";
    public const string ApiVersion = "2019-08-01";
    public const string SecretHeader = "X-IDENTITY-HEADER";

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(options.Value.IdentityHeader);

    public Task GetTokenAsync(HttpContext context)
    {
        var request = context.Request;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.Headers[SecretHeader].ToString()), _secret))
        {
            return ErrorAsync(context, StatusCodes.Status401Unauthorized, "unauthorized_client", $"The {SecretHeader} header is missing or not this endpoint's secret.");
        }

        if (request.Query["api-version"].ToString() != ApiVersion)
        {
            return ErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request", $"api-version must be {ApiVersion}.");
        }

        if (request.Query["resource"].ToString() is not { Length: > 0 } resource)
        {
            return ErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request", "The resource query parameter is required.");
        }

        var clientId = request.Query["client_id"].ToString() is { Length: > 0 } asked ? asked : options.Value.ManagedIdentityClientId;
        var token = tokens.Issue(resource, clientId);
        stats.TokenIssued();
        var body = new ManagedIdentityTokenResponse(
            token.AccessToken, token.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), resource, "Bearer", clientId);
        return context.Response.WriteAsJsonAsync(body, WireJson.Azure.ManagedIdentityTokenResponse, contentType: null, context.RequestAborted);
    }

    private static Task ErrorAsync(HttpContext context, int status, string error, string description)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new ManagedIdentityError(error, description), WireJson.Azure.ManagedIdentityError, contentType: null, context.RequestAborted);
    }
}
