using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Gateway.Frontend.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Upstreams;

/// <summary>
/// One configured upstream at run time: its own connection pool behind a resilience handler
/// (a time-to-first-byte timeout and a circuit breaker, from <c>Microsoft.Extensions.Http.Resilience</c>),
/// and how a request to it is addressed and authenticated.
/// </summary>
public sealed class Upstream : IDisposable
{
    private const string AzureApiVersionParameter = "api-version";
    private const string AzureV1 = "v1";

    private readonly UpstreamOptions _options;
    private readonly EntraTokenSource _entra;
    private readonly CircuitBreakerStateProvider? _circuit;

    public Upstream(string name, UpstreamKind kind, UpstreamOptions options, EntraTokenSource entra, TimeProvider time)
    {
        Name = name;
        Kind = kind;
        _options = options;
        _entra = entra;
        BaseUrl = options.BaseUrl.TrimEnd('/');

        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        var breaker = options.CircuitBreaker;
        if (breaker.Enabled)
        {
            // Outermost, so an attempt that timed out counts as a failure.
            _circuit = new CircuitBreakerStateProvider();
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                Name = $"upstream-{name}-circuit",
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                StateProvider = _circuit,
            });
        }

        if (options.Timeout is { } timeout)
        {
            // The token the handler sees bounds the wait for the response headers only: a stream, once started, is not cut by it.
            pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Name = $"upstream-{name}-timeout", Timeout = timeout });
        }

        var sockets = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = int.MaxValue,
            ActivityHeadersPropagator = new ReverseProxyPropagator(new TraceContextPropagator(DistributedContextPropagator.Current)),
        };
        Invoker = new HttpMessageInvoker(
            _circuit is null && options.Timeout is null ? sockets : new ResilienceHandler(pipeline.Build()) { InnerHandler = sockets },
            disposeHandler: true);
    }

    public string Name { get; }

    public UpstreamKind Kind { get; }

    /// <summary>The address it was configured with, without a trailing slash (never a secret: keys are not put in URLs).</summary>
    public string BaseUrl { get; }

    public HttpMessageInvoker Invoker { get; }

    public UpstreamAuth Auth => _options.Auth;

    /// <summary>Whether a key is configured (the key itself is never exposed by this type).</summary>
    public bool HasApiKey => !string.IsNullOrEmpty(_options.ApiKey);

    /// <summary>Azure OpenAI's <c>api-version</c>, or <c>v1</c>; null for other kinds.</summary>
    public string? ApiVersion => Kind == UpstreamKind.AzureOpenAI ? _options.ApiVersion : null;

    public TimeSpan? Timeout => _options.Timeout;

    public TimeSpan BreakDuration => _options.CircuitBreaker.BreakDuration;

    /// <summary>Closed, Open, HalfOpen or Isolated; <c>Disabled</c> without a breaker.</summary>
    public string CircuitState => _circuit?.CircuitState.ToString() ?? "Disabled";

    /// <summary>Out of rotation after repeated failures: a call to it now fails at once.</summary>
    public bool IsOpen => _circuit?.CircuitState is Polly.CircuitBreaker.CircuitState.Open or Polly.CircuitBreaker.CircuitState.Isolated;

    public ApiDialect Dialect => Kind == UpstreamKind.Anthropic ? ApiDialect.Anthropic : ApiDialect.OpenAI;

    /// <summary>
    /// Whether the body's <c>model</c> must name the deployment rather than the model: Azure's v1 API
    /// and its Responses API take the deployment from the body, its deployment URLs from the path.
    /// </summary>
    public bool DeploymentInBody(ProxyRoute route) =>
        Kind == UpstreamKind.AzureOpenAI && (_options.ApiVersion == AzureV1 || route == ProxyRoute.Responses);

    /// <summary>Where a request to <paramref name="deployment"/> goes: the caller's path and query on most kinds, Azure's own shape on Azure.</summary>
    public Uri Address(HttpRequest caller, string deployment)
    {
        if (Kind != UpstreamKind.AzureOpenAI)
        {
            // The query string goes as it came: Claude Code's ?beta=true, a compatible server's own parameters.
            return RequestUtilities.MakeDestinationAddress(BaseUrl, caller.Path, caller.QueryString);
        }

        // /v1/chat/completions -> chat/completions
        var operation = caller.Path.Value!["/v1/".Length..];
        var query = QueryHelpers.ParseQuery(caller.QueryString.Value);
        query.Remove(AzureApiVersionParameter);
        string path;
        if (_options.ApiVersion == AzureV1)
        {
            path = "/openai/v1/" + operation;
        }
        else
        {
            path = operation == "responses" ? "/openai/responses" : $"/openai/deployments/{Uri.EscapeDataString(deployment)}/{operation}";
            query[AzureApiVersionParameter] = _options.ApiVersion;
        }

        var queryString = QueryString.Create(query.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v))));
        return new Uri(BaseUrl + path + queryString.ToUriComponent());
    }

    /// <summary>The upstream's own credentials, organisation and project; nothing of the caller's.</summary>
    public async ValueTask AuthenticateAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_options.Auth == UpstreamAuth.EntraId)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _entra.GetTokenAsync(cancellationToken));
        }
        else if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            switch (Kind)
            {
                case UpstreamKind.Anthropic:
                    request.Headers.TryAddWithoutValidation("x-api-key", _options.ApiKey);
                    break;
                case UpstreamKind.AzureOpenAI:
                    request.Headers.TryAddWithoutValidation("api-key", _options.ApiKey);
                    break;
                default:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
                    break;
            }
        }

        if (Kind == UpstreamKind.OpenAI)
        {
            if (!string.IsNullOrEmpty(_options.Organization))
            {
                request.Headers.TryAddWithoutValidation("OpenAI-Organization", _options.Organization);
            }

            if (!string.IsNullOrEmpty(_options.Project))
            {
                request.Headers.TryAddWithoutValidation("OpenAI-Project", _options.Project);
            }
        }
    }

    public void Dispose() => Invoker.Dispose();
}
