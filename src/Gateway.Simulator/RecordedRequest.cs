namespace Gateway.Simulator;

/// <summary>One request as the simulator received it; an item of GET /sim/requests (camelCase).</summary>
/// <param name="Sequence">Order of arrival, from 1.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, without the query.</param>
/// <param name="Query">The query string with its <c>?</c>, or empty.</param>
/// <param name="Headers">Every header received, by lower-case name, with all its values.</param>
/// <param name="Body">The body as UTF-8 text, up to <see cref="SimulatorOptions.RecordedBodyBytes"/>.</param>
/// <param name="BodyBytes">The length of the whole body in bytes.</param>
/// <param name="BodyTruncated">Whether <paramref name="Body"/> is only the start of it.</param>
public sealed record RecordedRequest(
    long Sequence,
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string[]> Headers,
    string Body,
    long BodyBytes,
    bool BodyTruncated);
