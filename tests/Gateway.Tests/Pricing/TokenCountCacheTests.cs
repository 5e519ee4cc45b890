using System.Text.Json;
using Gateway.Core.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Gateway.Tests.Pricing;

/// <summary>
/// The cache of long texts' token counts: a count from it is the tokenizer's own, a text seen before
/// is not tokenized again, short texts are never kept, and it holds at most two generations.
/// </summary>
public sealed class TokenCountCacheTests
{
    private static readonly Tokenizer O200k = TiktokenTokenizer.CreateForModel("gpt-4o");

    /// <summary>A text long enough to be kept (at least <see cref="TokenCountCache.MinChars"/>).</summary>
    private static string Long(string word) => string.Concat(Enumerable.Repeat(word + " ", (TokenCountCache.MinChars / (word.Length + 1)) + 1));

    [Fact]
    public void A_long_text_counted_again_comes_from_the_cache_with_the_tokenizers_count()
    {
        var cache = new TokenCountCache(O200k);
        var text = Long("alpha");

        Assert.Equal(O200k.CountTokens(text), cache.Count(text));
        Assert.Equal(O200k.CountTokens(text), cache.Count(text));
        Assert.Equal((1, 1), cache.Statistics);
        Assert.Equal(O200k.CountTokens(Long("beta gamma")), cache.Count(Long("beta gamma")));
        Assert.Equal((1, 2), cache.Statistics);
    }

    [Fact]
    public void Short_texts_are_always_tokenized_and_never_kept()
    {
        var cache = new TokenCountCache(O200k);
        Assert.Equal(O200k.CountTokens("hello there"), cache.Count("hello there"));
        Assert.Equal(O200k.CountTokens("hello there"), cache.Count("hello there"));
        Assert.Equal((0, 0), cache.Statistics);
        Assert.False(cache.TryGetCount("hello there", out _));
    }

    [Fact]
    public void It_keeps_two_generations_and_carries_what_is_read_into_the_newer()
    {
        var cache = new TokenCountCache(O200k, generationSize: 2);
        cache.Count(Long("a"));
        cache.Count(Long("b"));
        cache.Count(Long("c"));   // a and b become the older generation
        Assert.True(cache.TryGetCount(Long("a"), out _));   // read: carried into the newer (c, a)
        cache.Count(Long("d"));   // c and a become the older; b is dropped
        Assert.False(cache.TryGetCount(Long("b"), out _));
        Assert.True(cache.TryGetCount(Long("a"), out _));
        Assert.True(cache.TryGetCount(Long("c"), out _));
    }

    [Fact]
    public void A_chat_body_counts_the_same_with_and_without_the_cache_and_its_limit_still_holds()
    {
        var body = JsonSerializer.SerializeToElement(new
        {
            model = "gpt-4o",
            messages = new object[] { new { role = "system", content = Long("You are careful.") }, new { role = "user", content = Long("Fix the bug in item42();") } },
        });
        var cached = new PromptTokenCounter(cacheCounts: true);
        var plain = new PromptTokenCounter(cacheCounts: false);

        var expected = plain.CountChat("gpt-4o", body);
        Assert.Equal(expected, cached.CountChat("gpt-4o", body));
        Assert.Equal(expected, cached.CountChat("gpt-4o", body));
        Assert.Throws<PromptTooLongException>(() => cached.CountChat("gpt-4o", body, limit: expected - 1));
        Assert.Equal(expected, cached.CountChat("gpt-4o", body, limit: expected));
    }
}
