namespace Gateway.Simulator;

/// <summary>One request as the simulator received it; an item of GET /sim/requests (camelCase).</summary>
/// <param name="Sequence">Order of arrival, from 1.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path as it arrived (a <c>/_fault/…</c> prefix included), without the query.</param>
/// <param name="Query">The query string with its <c>?</c>, or empty.</param>
/// <param name="Headers">Every header received, by lower-case name, with all its values.</param>
/// <param name="Body">The body as UTF-8 text, up to <see cref="SimulatorOptions.RecordedBodyBytes"/>.</param>
/// <param name="BodyBytes">The length of the whole body in bytes.</param>
/// <param name="BodyTruncated">Whether <paramref name="Body"/> is only the start of it.</param>
/// <param name="Auth">
/// The credential that decided the request, never its value: <c>bearer</c>, <c>x-api-key</c>, <c>api-key</c>
/// (Azure's header), <c>managed-identity</c> (a Bearer token GET /msi/token issued), or <c>none</c>.
/// </param>
/// <param name="Authorized">Whether the simulator accepted that credential.</param>
/// <param name="Deployment">
/// On an Azure path, the deployment that served it: the URL's on the classic shape, the body's
/// <c>model</c> on <c>/openai/responses</c> and <c>/openai/v1/…</c>; null elsewhere.
/// </param>
/// <param name="ApiVersion">On an Azure path, the <c>api-version</c> query value, if any.</param>
/// <param name="Fault">The fault prefixes the path carried, without <c>/_fault/</c> (<c>429</c>, <c>slow5000</c>, <c>slow100/503</c>), or null.</param>
public sealed record RecordedRequest(
    long Sequence,
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string[]> Headers,
    string Body,
    long BodyBytes,
    bool BodyTruncated,
    string Auth,
    bool Authorized,
    string? Deployment,
    string? ApiVersion,
    string? Fault);
