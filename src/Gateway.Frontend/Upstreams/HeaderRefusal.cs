namespace Gateway.Frontend.Upstreams;

/// <summary>Why a request's headers keep it from going upstream: the status and message the caller gets, in its API's format.</summary>
/// <param name="Status">400 for a header value the gateway will not forward, 415 for a body encoding it cannot decode.</param>
/// <param name="Message">Names the header and value, and the setting an operator would change.</param>
/// <param name="Code">The OpenAI-format error code.</param>
public sealed record HeaderRefusal(int Status, string Message, string Code);
