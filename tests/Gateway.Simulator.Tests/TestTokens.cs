using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace Gateway.Simulator.Tests;

/// <summary>An independent re-count with the same tokenizer the simulator must use.</summary>
internal static class TestTokens
{
    private static readonly Tokenizer O200k = TiktokenTokenizer.CreateForModel("gpt-4o");

    public static int Count(string text) => O200k.CountTokens(text);

    /// <summary>OpenAI's documented formula, written out again so the test does not trust the code under test.</summary>
    public static int ChatPrompt(params (string Role, string Content, string? Name)[] messages)
    {
        var total = 3;
        foreach (var (role, content, name) in messages)
        {
            total += 3 + Count(role) + Count(content);
            if (name is not null)
            {
                total += 1 + Count(name);
            }
        }

        return total;
    }

    public static JsonArray Messages(params (string Role, string Content)[] messages) =>
        new(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
}
