using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Core.Tokenization;

namespace Gateway.Benchmarks;

/// <summary>
/// What counting a coding agent's prompts costs the front-end, with and without the cache of long
/// texts' counts (<see cref="TokenCountCache"/>), in this process: conversations that grow turn by turn
/// as an agent's do (a system prompt, then per turn a tool result of code and a reply), each turn's whole
/// body counted as the front-end counts a request (<see cref="PromptTokenCounter.CountChat"/>). Both
/// counters must agree on every count.
/// </summary>
public sealed class TokenCountBench(TextWriter output)
{
    private const int Conversations = 8;
    private const int Turns = 20;

    public int Run()
    {
        var bodies = Enumerable.Range(0, Conversations).Select(Conversation).ToList();
        output.WriteLine($"Prompt token counts: {Conversations} coding-agent conversations of {Turns} turns, each turn's whole body counted (gpt-4o, o200k)");

        // Once each, untimed: the tokenizers' own caches and the JIT warm up on text the timed runs do not see.
        _ = Measure(new PromptTokenCounter(cacheCounts: false), [Conversation(99), Conversation(97)]);
        _ = Measure(new PromptTokenCounter(cacheCounts: true), [Conversation(98), Conversation(96)]);

        var plain = Measure(new PromptTokenCounter(cacheCounts: false), bodies);
        var counter = new PromptTokenCounter(cacheCounts: true);
        var cached = Measure(counter, bodies);
        // The same bodies again: every long text's count known, what is left is reading the bodies and hashing their texts.
        var again = Measure(counter, bodies);
        var requests = Conversations * Turns;
        var tokens = plain.Counts.Sum(c => (long)c);
        output.WriteLine($"  requests {requests:N0}, prompt tokens per request {tokens / requests:N0} on average, {plain.Counts.Max():N0} at most");
        output.WriteLine($"  {"counter",-30} {"ms/request",12} {"us per 1,000 tokens",20}");
        foreach (var (name, run) in new[] { ("every text tokenized", plain), ("counts of long texts kept", cached), ("the same bodies once more", again) })
        {
            output.WriteLine($"  {name,-30} {run.Elapsed.TotalMilliseconds / requests,12:F3} {run.Elapsed.TotalMicroseconds / (tokens / 1000.0),20:F1}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  kept counts / every text: {cached.Elapsed / plain.Elapsed:F3}x the time"));
        if (!plain.Counts.SequenceEqual(cached.Counts) || !plain.Counts.SequenceEqual(again.Counts))
        {
            output.WriteLine("  MISMATCH: the cached counter counted differently");
            return 1;
        }

        output.WriteLine("  counts: identical");
        return 0;
    }

    private static (TimeSpan Elapsed, List<int> Counts) Measure(PromptTokenCounter counter, IReadOnlyList<IReadOnlyList<JsonElement>> conversations)
    {
        var counts = new List<int>();
        var watch = Stopwatch.StartNew();
        foreach (var turns in conversations)
        {
            foreach (var body in turns)
            {
                counts.Add(counter.CountChat("gpt-4o", body, 1_000_000));
            }
        }

        return (watch.Elapsed, counts);
    }

    /// <summary>Each turn's request body: the conversation so far, as an agent resends it.</summary>
    private static List<JsonElement> Conversation(int seed)
    {
        var random = new Random(seed);
        var messages = new List<object> { new { role = "system", content = Code(random, 600) } };
        var bodies = new List<JsonElement>();
        for (var turn = 0; turn < Turns; turn++)
        {
            messages.Add(new { role = "user", content = "Tool result:\n" + Code(random, 450) });
            bodies.Add(JsonSerializer.SerializeToElement(new { model = "gpt-4o", max_tokens = 1024, messages }));
            messages.Add(new { role = "assistant", content = Code(random, 90) });
        }

        return bodies;
    }

    /// <summary>Text shaped like source code, about <paramref name="lines"/> times 3 tokens.</summary>
    private static string Code(Random random, int lines)
    {
        string[] words = ["var", "return", "await", "if", "else", "foreach", "public", "static", "async", "Task", "string", "int", "null", "new", "using"];
        var text = new StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            text.Append(' ', random.Next(0, 4) * 4)
                .Append(words[random.Next(words.Length)]).Append(' ')
                .Append("item").Append(random.Next(10_000)).Append(random.Next(3) == 0 ? "();" : " = value;")
                .Append('\n');
        }

        return text.ToString();
    }
}
