namespace Gateway.Simulator;

/// <summary>The counters of <see cref="SimulatorStats"/> at one moment; the body of GET /sim/stats (camelCase).</summary>
/// <param name="Requests">Every request to a provider endpoint, including rejected ones.</param>
/// <param name="ChatCompletions">POST /v1/chat/completions.</param>
/// <param name="Responses">POST /v1/responses.</param>
/// <param name="Messages">POST /v1/messages.</param>
/// <param name="CountTokens">POST /v1/messages/count_tokens.</param>
/// <param name="Completions">POST /v1/completions.</param>
/// <param name="Embeddings">POST /v1/embeddings.</param>
/// <param name="Models">GET /v1/models and /v1/models/{id}.</param>
/// <param name="Streams">Requests that asked for a stream.</param>
/// <param name="Errors">Responses with a 4xx or 5xx status, simulated or not.</param>
/// <param name="Unauthorized">Requests rejected for a missing or wrong API key.</param>
/// <param name="Cut">Streams aborted on purpose by the cut control.</param>
/// <param name="PromptTokens">Sum of prompt (input) tokens of answered requests.</param>
/// <param name="CompletionTokens">Sum of completion (output) tokens of answered requests.</param>
/// <param name="RejectedCredentials">Requests that presented a credential other than the configured API key (a missing one is not counted here, only in <paramref name="Unauthorized"/>).</param>
/// <param name="RequestsByCredential">
/// Every request to a provider endpoint, by the <see cref="SimulatorStats.Fingerprint"/> of the
/// credential it presented (the one that matched the API key, else the first of Bearer and
/// x-api-key), or under <see cref="SimulatorStats.NoCredential"/> when it presented none. The
/// credentials themselves are never kept here.
/// </param>
/// <param name="Azure">Requests on an Azure OpenAI path (/openai/…); they count in the endpoint's counter too.</param>
/// <param name="Faults">Requests answered with the status of their <c>/_fault/{status}/</c> prefix.</param>
/// <param name="InFlight">Model requests being answered now (a delayed one counts from arrival to its last byte).</param>
/// <param name="PeakInFlight">The most model requests answered at once since the start or the last reset.</param>
/// <param name="TokensIssued">Tokens issued by the managed-identity endpoint (GET /msi/token); not counted in <paramref name="Requests"/>.</param>
public sealed record SimulatorStatsSnapshot(
    long Requests,
    long ChatCompletions,
    long Responses,
    long Messages,
    long CountTokens,
    long Completions,
    long Embeddings,
    long Models,
    long Streams,
    long Errors,
    long Unauthorized,
    long Cut,
    long PromptTokens,
    long CompletionTokens,
    long RejectedCredentials,
    IReadOnlyDictionary<string, long> RequestsByCredential,
    long Azure,
    long Faults,
    long TokensIssued,
    long InFlight = 0,
    long PeakInFlight = 0);
