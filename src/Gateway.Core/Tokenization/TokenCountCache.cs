using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.ML.Tokenizers;

namespace Gateway.Core.Tokenization;

/// <summary>
/// The token counts of long texts one tokenizer has already counted, by a 128-bit hash of the text.
/// Coding agents send the whole conversation on every turn, so nearly all of a request's prompt is
/// text an earlier request had: tokenizing it again costs about 0.4 ms of CPU per 1,000 tokens, hashing
/// it a few microseconds (docs/benchmark.md, "Prompt token counts"). The hash is seeded per process,
/// so nobody outside can aim texts at one another's entries; a collision of 128 bits is not a risk
/// worth the memory of keeping the texts. Bounded: two generations of at most
/// <see cref="GenerationSize"/> entries each, the older dropped when the newer fills, and an entry read
/// from the older is carried into the newer, so what the traffic keeps using stays.
/// </summary>
/// <param name="tokenizer">The tokenizer whose counts these are.</param>
/// <param name="enabled">False: every text is tokenized (what the benchmark compares with).</param>
/// <param name="generationSize">Entries per generation (<see cref="GenerationSize"/> unless a test says otherwise).</param>
public sealed class TokenCountCache(Tokenizer tokenizer, bool enabled = true, int generationSize = TokenCountCache.GenerationSize)
{
    /// <summary>Texts shorter than this are tokenized each time: cheaper than an entry.</summary>
    public const int MinChars = 256;

    /// <summary>Entries per generation: at most twice this in all, about 60 bytes each.</summary>
    public const int GenerationSize = 50_000;

    private readonly long _seed = Random.Shared.NextInt64();
    private readonly Lock _turn = new();
    private ConcurrentDictionary<UInt128, int> _current = new();
    private ConcurrentDictionary<UInt128, int> _previous = new();

    private long _hits;
    private long _misses;

    public Tokenizer Tokenizer { get; } = tokenizer;

    /// <summary>Long texts whose count came from the cache, and those that had to be tokenized.</summary>
    public (long Hits, long Misses) Statistics => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    /// <summary>The text's whole token count, from the cache when it was counted before.</summary>
    public int Count(string text)
    {
        if (!enabled || text.Length < MinChars)
        {
            return Tokenizer.CountTokens(text);
        }

        var key = KeyOf(text);
        if (TryGet(key, out var count))
        {
            Interlocked.Increment(ref _hits);
            return count;
        }

        Interlocked.Increment(ref _misses);
        count = Tokenizer.CountTokens(text);
        Add(key, count);
        return count;
    }

    /// <summary>The text's whole count if it was counted before; never tokenizes.</summary>
    public bool TryGetCount(string text, out int count)
    {
        count = 0;
        if (!enabled || text.Length < MinChars || !TryGet(KeyOf(text), out count))
        {
            return false;
        }

        Interlocked.Increment(ref _hits);
        return true;
    }

    private UInt128 KeyOf(string text) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text.AsSpan()), _seed);

    private bool TryGet(UInt128 key, out int count)
    {
        if (_current.TryGetValue(key, out count))
        {
            return true;
        }

        if (_previous.TryGetValue(key, out count))
        {
            Add(key, count);
            return true;
        }

        return false;
    }

    private void Add(UInt128 key, int count)
    {
        if (_current.Count >= generationSize)
        {
            lock (_turn)
            {
                if (_current.Count >= generationSize)
                {
                    _previous = _current;
                    _current = new ConcurrentDictionary<UInt128, int>();
                }
            }
        }

        _current[key] = count;
    }
}
