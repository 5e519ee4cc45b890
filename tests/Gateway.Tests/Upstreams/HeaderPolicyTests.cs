using Gateway.Frontend.Proxy;
using Gateway.Frontend.Upstreams;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tests.Upstreams;

/// <summary>The header check and copy on their own; HeaderForwardingTests proves the same through a running gateway.</summary>
public sealed class HeaderPolicyTests
{
    private static readonly HeaderPolicy Policy = new(new UpstreamsOptions());

    private static HttpRequest Request(params (string Name, StringValues Value)[] headers)
    {
        var context = new DefaultHttpContext();
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }

    private static HttpRequestMessage Copied(HttpRequest request, ApiDialect dialect)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "http://upstream/v1/messages") { Content = new ByteArrayContent([]) };
        Policy.CopyAllowed(request, message, dialect);
        return message;
    }

    [Fact]
    public void Betas_over_several_lines_and_with_spaces_are_checked_one_by_one_and_sent_once_as_one_list()
    {
        var request = Request(("anthropic-beta", new StringValues([" claude-code-20250219 ,interleaved-thinking-2025-05-14", "claude-code-20250219,"])));

        Assert.Null(Policy.Check(request, ApiDialect.Anthropic));
        Assert.Equal(["claude-code-20250219,interleaved-thinking-2025-05-14"], Copied(request, ApiDialect.Anthropic).Headers.GetValues("anthropic-beta"));
    }

    [Fact]
    public void A_refusal_names_every_beta_not_on_the_list()
    {
        var refusal = Policy.Check(Request(("anthropic-beta", "context-1m-2025-08-07,claude-code-20250219,oauth-2025-04-20")), ApiDialect.Anthropic);

        Assert.NotNull(refusal);
        Assert.Equal((400, "invalid_header"), (refusal.Status, refusal.Code));
        Assert.Contains("'context-1m-2025-08-07', 'oauth-2025-04-20'", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_other_APIs_beta_header_is_neither_checked_nor_sent()
    {
        Assert.Null(Policy.Check(Request(("anthropic-beta", "not-a-real-beta")), ApiDialect.OpenAI));
        Assert.Null(Policy.Check(Request(("OpenAI-Beta", "realtime=v1")), ApiDialect.Anthropic));
        Assert.False(Copied(Request(("OpenAI-Beta", "assistants=v2")), ApiDialect.Anthropic).Headers.Contains("OpenAI-Beta"));
        Assert.False(Copied(Request(("anthropic-beta", "claude-code-20250219")), ApiDialect.OpenAI).Headers.Contains("anthropic-beta"));
    }

    [Theory]
    [InlineData("2023-06-01", true)]
    [InlineData("2023-01-01", true)]
    [InlineData("2026-10-21", true)]
    [InlineData(" 2023-06-01 ", true)]
    [InlineData("2024-01-01", false)]
    [InlineData("", false)]
    public void Anthropic_version_must_be_one_the_gateway_reads(string version, bool accepted)
    {
        var request = Request(("anthropic-version", version));

        Assert.Equal(accepted, Policy.Check(request, ApiDialect.Anthropic) is null);
        if (accepted)
        {
            Assert.Equal([version.Trim()], Copied(request, ApiDialect.Anthropic).Headers.GetValues("anthropic-version"));
        }
    }

    [Fact]
    public void Two_anthropic_versions_are_refused()
    {
        Assert.NotNull(Policy.Check(Request(("anthropic-version", new StringValues(["2023-06-01", "2023-01-01"]))), ApiDialect.Anthropic));
    }

    [Theory]
    [InlineData("identity", null)]
    [InlineData("IDENTITY", null)]
    [InlineData("zstd", 415)]
    [InlineData("gzip", 415)]
    public void A_content_encoding_still_present_was_not_decoded_and_is_refused(string encoding, int? status)
    {
        // gzip reaches the check only when the decompression middleware did not run.
        Assert.Equal(status, Policy.Check(Request(("Content-Encoding", encoding)), ApiDialect.OpenAI)?.Status);
    }

    [Fact]
    public void Nothing_but_the_allow_list_is_copied()
    {
        var request = Request(
            ("Content-Type", "application/json"), ("Accept", "text/event-stream"), ("User-Agent", "tool/1"), ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            ("Idempotency-Key", "k1"), ("Authorization", "Bearer gw_x_y"), ("api-key", "sk"), ("OpenAI-Organization", "org-caller"), ("X-Forwarded-For", "1.2.3.4"),
            ("Connection", "X-Foo"), ("X-Foo", "bar"), ("Transfer-Encoding", "chunked"), ("Content-Encoding", "identity"));
        request.ContentLength = 42;

        var message = Copied(request, ApiDialect.OpenAI);

        Assert.Equal(["Accept", "Idempotency-Key", "traceparent", "User-Agent"], message.Headers.Select(h => h.Key).Order(StringComparer.OrdinalIgnoreCase));
        Assert.Equal(["Content-Length", "Content-Type"], message.Content!.Headers.Select(h => h.Key).Order(StringComparer.OrdinalIgnoreCase));
        Assert.Equal(42, message.Content.Headers.ContentLength);
    }
}
