using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Gateway.Cli.Api;

/// <summary>
/// Thin HttpClient wrapper for the gateway's admin API: authentication, JSON, and translating
/// transport failures and problem-details responses into exceptions the CLI knows how to report.
/// </summary>
internal sealed class AdminApiClient : IDisposable
{
    // Admin calls are single-grain operations; anything this slow means the gateway is unhealthy,
    // and an operator is better served by an error than by a terminal that hangs for HttpClient's 100 s.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient http;
    private readonly Uri apiRoot;
    private readonly string displayUrl;

    public AdminApiClient(CliSettings settings, HttpMessageHandler? handler)
    {
        ArgumentNullException.ThrowIfNull(settings);

        // The caller's handler may be shared across runs (tests), so it is theirs to dispose.
        http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = RequestTimeout;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.AdminKey);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("gatewayctl", ClientVersion()));

        // Resolve relative to a trailing slash so that a gateway mounted under a path prefix
        // (https://host/gateway) keeps its prefix instead of having it replaced.
        var baseText = settings.BaseUrl.AbsoluteUri;
        apiRoot = new Uri(new Uri(baseText.EndsWith('/') ? baseText : baseText + "/"), "admin/v1/");
        displayUrl = settings.BaseUrl.OriginalString.TrimEnd('/');
    }

    /// <summary>Escapes a caller-supplied identifier for use as one path segment.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>Escapes a caller-supplied path that may hold slashes (a model such as <c>meta-llama/Llama-3.1-8B</c>), each part on its own.</summary>
    public static string Segments(string value) => string.Join('/', value.Split('/').Select(Uri.EscapeDataString));

    /// <param name="path">Relative to <c>/admin/v1/</c>, with identifiers already passed through <see cref="Segment"/>.</param>
    public Task<ApiResponse<T>> GetAsync<T>(string path, JsonTypeInfo<T> responseType, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, content: null, responseType, cancellationToken);

    /// <summary>POST without a body, for actions such as revoke.</summary>
    public Task<ApiResponse<T>> PostAsync<T>(string path, JsonTypeInfo<T> responseType, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, content: null, responseType, cancellationToken);

    public Task<ApiResponse<TResponse>> PostAsync<TRequest, TResponse>(
        string path,
        TRequest body,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken) =>
        SendJsonAsync(HttpMethod.Post, path, body, requestType, responseType, cancellationToken);

    /// <summary>PATCH with a JSON body: a partial update, changing only the fields the body carries.</summary>
    public Task<ApiResponse<TResponse>> PatchAsync<TRequest, TResponse>(
        string path,
        TRequest body,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken) =>
        SendJsonAsync(HttpMethod.Patch, path, body, requestType, responseType, cancellationToken);

    /// <summary>PUT with a JSON body: the resource is replaced by the body (or created).</summary>
    public Task<ApiResponse<TResponse>> PutAsync<TRequest, TResponse>(
        string path,
        TRequest body,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken) =>
        SendJsonAsync(HttpMethod.Put, path, body, requestType, responseType, cancellationToken);

    /// <summary>DELETE; the gateway answers with what was removed.</summary>
    public Task<ApiResponse<T>> DeleteAsync<T>(string path, JsonTypeInfo<T> responseType, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, content: null, responseType, cancellationToken);

    private Task<ApiResponse<TResponse>> SendJsonAsync<TRequest, TResponse>(
        HttpMethod method,
        string path,
        TRequest body,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        // Serialized up front rather than streamed so the request carries a Content-Length.
        var content = new StringContent(JsonSerializer.Serialize(body, requestType), Encoding.UTF8, "application/json");
        return SendAsync(method, path, content, responseType, cancellationToken);
    }

    public void Dispose() => http.Dispose();

    private async Task<ApiResponse<T>> SendAsync<T>(
        HttpMethod method,
        string path,
        HttpContent? content,
        JsonTypeInfo<T> responseType,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(apiRoot, path)) { Content = content };

        int status;
        string? reason;
        string? mediaType;
        string body;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            status = (int)response.StatusCode;
            reason = response.ReasonPhrase;
            mediaType = response.Content.Headers.ContentType?.MediaType;
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new GatewayUnreachableException(displayUrl, Describe(ex), ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient reports its own timeout as a cancellation; only a cancelled token means the user stopped us.
            throw new GatewayUnreachableException(
                displayUrl, $"no response within {RequestTimeout.TotalSeconds:0} seconds", ex);
        }

        if (status is < 200 or > 299)
        {
            throw AdminApiException.FromResponse(status, reason, mediaType, body);
        }

        try
        {
            var value = JsonSerializer.Deserialize(body, responseType)
                ?? throw new JsonException("the response body is empty or null.");
            return new ApiResponse<T>(value, body);
        }
        catch (JsonException ex)
        {
            throw new AdminApiException(status, $"unexpected response from the gateway: {ex.Message}", problem: null);
        }
    }

    private static string Describe(HttpRequestException ex) =>
        // TLS and similar failures say only "see inner exception"; the inner message is the useful one.
        ex.InnerException is { } inner && ex.Message.Contains("inner exception", StringComparison.OrdinalIgnoreCase)
            ? inner.Message
            : ex.Message;

    private static string ClientVersion() =>
        typeof(AdminApiClient).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
