using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Frontend.Proxy;

namespace Gateway.Tests.Pricing;

/// <summary>
/// The body sent upstream is the caller's with only the gateway's edits: the usage chunk asked for,
/// the ceiling stated, the deployment's model name; everything else as the caller wrote it, byte for
/// byte inside each value. Checked against the same edits made on a parsed tree.
/// </summary>
public sealed class BodyEditsTests
{
    public static TheoryData<string> Bodies() =>
    [
        """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true}""",
        """{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":false,"continuous_usage_stats":true},"max_tokens":9}""",
        """{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true}}""",
        """{"model":"gpt-4o-mini","stream":true,"stream_options":null,"temperature":0.5}""",
        """{"model":"gpt-4o-mini","stream":true,"stream_options":"odd"}""",
        """{ "model" : "gpt-4o-mini" ,  "messages" : [ { "role" : "user", "content" : "caf\u00e9 \ud83d\ude00 <tag> & \"quoted\"" } ] ,"stream":true }""",
        """{"mod\u0065l":"gpt-4o-mini","n\u00e4me":"x","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}]}""",
        """{"messages":[],"max_tokens":1.5e3,"metadata":{"a":[1,2,{"b":null}]}}""",
    ];

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Every_combination_of_edits_equals_the_same_edits_on_a_parsed_tree(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var document = JsonDocument.Parse(bytes);
        foreach (var forceUsage in new[] { false, true })
        {
            foreach (var ceiling in new int?[] { null, 4096 })
            {
                foreach (var model in new[] { null, "my-deployment\u00e9" })
                {
                    var sent = new BodyEdits(forceUsage, ceiling).Apply(bytes, document.RootElement, model);

                    var expected = JsonNode.Parse(body)!.AsObject();
                    if (forceUsage)
                    {
                        var options = expected["stream_options"] as JsonObject;
                        if (options is null)
                        {
                            options = [];
                            expected["stream_options"] = options;
                        }

                        options["include_usage"] = true;
                    }

                    if (ceiling is { } c)
                    {
                        expected[ProxyRoute.MaxTokensField] = c;
                    }

                    if (model is not null)
                    {
                        expected["model"] = model;
                    }

                    var actual = JsonNode.Parse(sent)!;
                    Assert.True(JsonNode.DeepEquals(expected, actual), $"edits {forceUsage}/{ceiling}/{model} of {body}: got {Encoding.UTF8.GetString(sent)}");
                    Assert.Equal(
                        expected.Select(p => p.Key),
                        actual.AsObject().Select(p => p.Key));
                }
            }
        }
    }

    [Fact]
    public void No_edit_sends_the_callers_own_bytes()
    {
        var bytes = Encoding.UTF8.GetBytes("""{ "model":"gpt-4o-mini" , "messages":[] }""");
        using var document = JsonDocument.Parse(bytes);

        Assert.Same(bytes, new BodyEdits(false, null).Apply(bytes, document.RootElement, null));
    }

    [Fact]
    public void Values_left_alone_keep_the_callers_exact_bytes()
    {
        const string messages = """[ {"role":"user","content":"caf\u00e9 \ud83d\ude00 1.50e+2"} ]""";
        var bytes = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","messages":""" + messages + ""","stream":true}""");
        using var document = JsonDocument.Parse(bytes);

        var sent = Encoding.UTF8.GetString(new BodyEdits(true, 100).Apply(bytes, document.RootElement, null));

        Assert.Contains("\"messages\":" + messages, sent, StringComparison.Ordinal);
        Assert.EndsWith("""{"include_usage":true},"max_tokens":100}""", sent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"stream_options":{"include_usage":true}}""", true)]
    [InlineData("""{"stream_options":{"include_usage":false}}""", false)]
    [InlineData("""{"stream_options":{"include_usage":"true"}}""", false)]
    [InlineData("""{"stream_options":null}""", false)]
    [InlineData("""{"stream":true}""", false)]
    public void The_caller_asked_for_usage_only_with_a_literal_true(string body, bool asked)
    {
        using var document = JsonDocument.Parse(body);

        Assert.Equal(asked, BodyEdits.CallerAskedForUsage(document.RootElement));
    }
}
