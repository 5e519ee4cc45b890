using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Simulator;

/// <summary>
/// Counters of what reached the simulator, served at GET /sim/stats, so a test can assert that the
/// gateway did (or did not) call upstream and how much usage upstream reported.
/// </summary>
public sealed class SimulatorStats
{
    private long _requests;
    private long _chatCompletions;
    private long _responses;
    private long _messages;
    private long _countTokens;
    private long _completions;
    private long _embeddings;
    private long _models;
    private long _streams;
    private long _errors;
    private long _unauthorized;
    private long _cut;
    private long _promptTokens;
    private long _completionTokens;
    private long _rejectedCredentials;
    private long _azure;
    private long _faults;
    private long _tokensIssued;
    private readonly ConcurrentDictionary<string, long> _byCredential = new(StringComparer.Ordinal);

    /// <summary>What <see cref="SimulatorStatsSnapshot.RequestsByCredential"/> counts requests without any credential under.</summary>
    public const string NoCredential = "none";

    /// <summary>Every request outside /sim and /health, whatever its outcome.</summary>
    internal void Request() => Interlocked.Increment(ref _requests);

    internal void ChatCompletion() => Interlocked.Increment(ref _chatCompletions);

    internal void Response() => Interlocked.Increment(ref _responses);

    internal void Message() => Interlocked.Increment(ref _messages);

    internal void CountTokens() => Interlocked.Increment(ref _countTokens);

    internal void Completion() => Interlocked.Increment(ref _completions);

    internal void Embedding() => Interlocked.Increment(ref _embeddings);

    internal void Models() => Interlocked.Increment(ref _models);

    internal void Stream() => Interlocked.Increment(ref _streams);

    internal void Error() => Interlocked.Increment(ref _errors);

    internal void Unauthorized() => Interlocked.Increment(ref _unauthorized);

    internal void Cut() => Interlocked.Increment(ref _cut);

    /// <summary>A request on an Azure OpenAI path (/openai/…).</summary>
    internal void Azure() => Interlocked.Increment(ref _azure);

    /// <summary>A request answered with the status of its /_fault/{status}/ prefix.</summary>
    internal void Fault() => Interlocked.Increment(ref _faults);

    /// <summary>A token issued by GET /msi/token.</summary>
    internal void TokenIssued() => Interlocked.Increment(ref _tokensIssued);

    /// <summary>Counts a request under the fingerprint of the credential it presented (null: none).</summary>
    internal void Credential(string? credential) =>
        _byCredential.AddOrUpdate(credential is null ? NoCredential : Fingerprint(credential), 1, (_, count) => count + 1);

    /// <summary>A request that presented a credential other than the configured API key.</summary>
    internal void RejectedCredential() => Interlocked.Increment(ref _rejectedCredentials);

    /// <summary>
    /// The first 8 hex digits (lower case) of the SHA-256 of the credential's UTF-8 bytes: enough to
    /// tell the keys a test uses apart, too little to recover or replay any of them.
    /// </summary>
    public static string Fingerprint(string credential) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(credential)))[..8];

    /// <summary>Usage the simulator reported (or, for a cut stream, would have reported).</summary>
    internal void Usage(int promptTokens, int completionTokens)
    {
        Interlocked.Add(ref _promptTokens, promptTokens);
        Interlocked.Add(ref _completionTokens, completionTokens);
    }

    private long _inFlight;
    private long _peakInFlight;

    /// <summary>A model request arrived: counted in flight until <see cref="Left"/>, and in the peak.</summary>
    internal void Entered()
    {
        var now = Interlocked.Increment(ref _inFlight);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peakInFlight)) && Interlocked.CompareExchange(ref _peakInFlight, now, peak) != peak)
        {
        }
    }

    internal void Left() => Interlocked.Decrement(ref _inFlight);

    public SimulatorStatsSnapshot Snapshot() => new(
        Requests: Interlocked.Read(ref _requests),
        ChatCompletions: Interlocked.Read(ref _chatCompletions),
        Responses: Interlocked.Read(ref _responses),
        Messages: Interlocked.Read(ref _messages),
        CountTokens: Interlocked.Read(ref _countTokens),
        Completions: Interlocked.Read(ref _completions),
        Embeddings: Interlocked.Read(ref _embeddings),
        Models: Interlocked.Read(ref _models),
        Streams: Interlocked.Read(ref _streams),
        Errors: Interlocked.Read(ref _errors),
        Unauthorized: Interlocked.Read(ref _unauthorized),
        Cut: Interlocked.Read(ref _cut),
        PromptTokens: Interlocked.Read(ref _promptTokens),
        CompletionTokens: Interlocked.Read(ref _completionTokens),
        RejectedCredentials: Interlocked.Read(ref _rejectedCredentials),
        RequestsByCredential: new SortedDictionary<string, long>(_byCredential, StringComparer.Ordinal),
        Azure: Interlocked.Read(ref _azure),
        Faults: Interlocked.Read(ref _faults),
        TokensIssued: Interlocked.Read(ref _tokensIssued),
        InFlight: Interlocked.Read(ref _inFlight),
        PeakInFlight: Interlocked.Read(ref _peakInFlight));

    public void Reset()
    {
        Interlocked.Exchange(ref _peakInFlight, Interlocked.Read(ref _inFlight));
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _chatCompletions, 0);
        Interlocked.Exchange(ref _responses, 0);
        Interlocked.Exchange(ref _messages, 0);
        Interlocked.Exchange(ref _countTokens, 0);
        Interlocked.Exchange(ref _completions, 0);
        Interlocked.Exchange(ref _embeddings, 0);
        Interlocked.Exchange(ref _models, 0);
        Interlocked.Exchange(ref _streams, 0);
        Interlocked.Exchange(ref _errors, 0);
        Interlocked.Exchange(ref _unauthorized, 0);
        Interlocked.Exchange(ref _cut, 0);
        Interlocked.Exchange(ref _promptTokens, 0);
        Interlocked.Exchange(ref _completionTokens, 0);
        Interlocked.Exchange(ref _rejectedCredentials, 0);
        Interlocked.Exchange(ref _azure, 0);
        Interlocked.Exchange(ref _faults, 0);
        Interlocked.Exchange(ref _tokensIssued, 0);
        _byCredential.Clear();
    }
}
