using Azure.Core;
using Azure.Identity;

namespace Gateway.Frontend.Upstreams;

/// <summary>
/// Microsoft Entra ID tokens for Azure OpenAI, from <c>DefaultAzureCredential</c>: the service's
/// managed identity on Azure, a developer's sign-in locally. One token serves every call until it
/// is due for refresh; one caller refreshes it while the others keep using the current one.
/// </summary>
public sealed class EntraTokenSource(TimeProvider time)
{
    /// <summary>The audience every Azure AI Services resource accepts.</summary>
    public const string CognitiveServicesScope = "https://cognitiveservices.azure.com/.default";

    /// <summary>A token closer than this to its expiry is replaced before use.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(5);

    private readonly Lazy<TokenCredential> _credential = new(() => new DefaultAzureCredential());
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private AccessToken? _token;

    /// <summary>Replaces the credential (tests, or a host that builds its own).</summary>
    public TokenCredential? Credential { get; init; }

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_token is { } current && !DueForRefresh(current))
        {
            return current.Token;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_token is { } fresh && !DueForRefresh(fresh))
            {
                return fresh.Token;
            }

            var credential = Credential ?? _credential.Value;
            var token = await credential.GetTokenAsync(new TokenRequestContext([CognitiveServicesScope]), cancellationToken);
            _token = token;
            return token.Token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private bool DueForRefresh(AccessToken token)
    {
        var now = time.GetUtcNow();
        return token.RefreshOn is { } refreshOn ? now >= refreshOn : now >= token.ExpiresOn - ExpiryMargin;
    }
}
