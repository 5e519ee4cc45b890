using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Gateway.Benchmarks;

/// <summary>Sends a fixed number of chat completions from a fixed number of workers and times each one to its last byte.</summary>
internal sealed class LoadRunner(HttpClient http)
{
    private const string Prompt = "Say hello to the benchmark in one short sentence.";

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private static readonly byte[] PlainBody = Encoding.UTF8.GetBytes(
        $$"""{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"{{Prompt}}"}]}""");

    private static readonly byte[] StreamedBody = Encoding.UTF8.GetBytes(
        $$"""{"model":"gpt-4o-mini","max_tokens":16,"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"{{Prompt}}"}]}""");

    public async Task<ScenarioResult> RunAsync(Scenario scenario, Uri baseUrl, IReadOnlyList<BenchKey> keys, int clients, int requests, CancellationToken cancellationToken)
    {
        var url = new Uri(baseUrl, "/v1/chat/completions");
        var body = scenario.Streaming ? StreamedBody : PlainBody;
        var latencies = new double[requests];
        var starts = new double[requests];
        Array.Fill(latencies, double.NaN);
        var errors = new ErrorTally();
        var next = -1;
        var started = 0L;

        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                cancellationToken.ThrowIfCancellationRequested();
                starts[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                latencies[i] = await SendAsync(url, body, scenario.Streaming, keys[i % keys.Count], errors, cancellationToken);
            }
        }

        started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Math.Min(clients, requests)).Select(_ => Task.Run(WorkerAsync)));
        var elapsed = Stopwatch.GetElapsedTime(started);
        return new ScenarioResult(scenario, clients, requests, elapsed, latencies.Where(double.IsFinite), errors)
        {
            Timeline = [.. starts.Zip(latencies)],
        };
    }

    /// <returns>The latency in milliseconds, or NaN when the request failed.</returns>
    private async Task<double> SendAsync(Uri url, byte[] body, bool streamed, BenchKey key, ErrorTally errors, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent(body) { Headers = { ContentType = Json } },
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                errors.Record($"HTTP {(int)response.StatusCode}", UsageReader.Excerpt(bytes));
                return double.NaN;
            }

            if (!UsageReader.TryRead(bytes, streamed, out var usage))
            {
                errors.Record("no usage in a 200", UsageReader.Excerpt(bytes));
                return double.NaN;
            }

            key.Charge(usage.CostMicros);
            return latency;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException or IOException)
        {
            errors.Record(ex.GetType().Name, ex.Message);
            return double.NaN;
        }
    }
}
