using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Alerts;

/// <summary>How the receiver answers one call: a status, maybe a <c>Retry-After</c>, or no answer at all.</summary>
public sealed record WebhookReply(int Status, int? RetryAfterSeconds = null, bool Hang = false);

/// <summary>One POST the receiver got: its number (from 1), the payload's <c>text</c>, when (on the test's clock), and the answer given.</summary>
public sealed record WebhookCall(int Number, string Text, string? ContentType, DateTimeOffset At, WebhookReply Reply);

/// <summary>A Slack-style incoming webhook on a loopback port, over real HTTP, answering as the test scripts it.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<WebhookCall> _calls = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    private WebhookReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The webhook URL, with a secret-looking path as Slack's have.</summary>
    public string Url { get; }

    public IReadOnlyList<WebhookCall> Calls => [.. _calls.OrderBy(c => c.Number)];

    public static async Task<WebhookReceiver> StartAsync(Func<int, string, WebhookReply> respond, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, $"http://127.0.0.1:{port}/services/T0000/B0000/{Guid.NewGuid():N}");
        RequestDelegate handle = async context =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var text = body.RootElement.GetProperty("text").GetString() ?? "";
            var number = Interlocked.Increment(ref receiver._count);
            var reply = respond(number, text);
            receiver._calls.Enqueue(new WebhookCall(number, text, context.Request.ContentType, time.GetUtcNow(), reply));
            if (reply.Hang)
            {
                await receiver._release.Task.WaitAsync(context.RequestAborted);
            }

            if (reply.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            context.Response.StatusCode = reply.Status;
            await context.Response.WriteAsync(reply.Status < 300 ? "ok" : "invalid_payload", context.RequestAborted);
        };
        app.MapPost("/services/{**path}", handle);
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        // Let hanging calls finish, or the server's stop would wait for them.
        _release.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
