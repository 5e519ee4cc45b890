using System.Text.Json;
using Gateway.Grains.Alerts;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Alerts;

/// <summary>The dispatcher against a real webhook receiver over HTTP and the admin audit in Azurite.</summary>
public sealed class BudgetAlertDispatcherTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Webhook_failing_with_500_twice_gets_the_alert_on_the_third_attempt()
    {
        await using var webhook = await WebhookReceiver.StartAsync((n, _) => new WebhookReply(n <= 2 ? 500 : 200));
        await using var harness = await DispatcherHarness.CreateAsync(webhook.Url);

        harness.Sink.Publish(SampleAlerts.User("bea"));

        await Poll.UntilAsync(() => Task.FromResult(harness.Dispatcher.Delivered == 1), Deadline, "the alert to be delivered");
        Assert.Equal([500, 500, 200], webhook.Calls.Select(c => c.Reply.Status));
        var delivered = webhook.Calls[^1];
        Assert.Contains("bea", delivered.Text);
        Assert.Contains("80%", delivered.Text);
        Assert.StartsWith("application/json", delivered.ContentType);
        Assert.Single(await harness.AuditRowsAsync(1));
    }

    [Fact]
    public async Task Webhook_answering_429_is_retried_after_its_Retry_After()
    {
        var time = new FakeTimeProvider(SampleAlerts.Day);
        await using var webhook = await WebhookReceiver.StartAsync((n, _) => n == 1 ? new WebhookReply(429, RetryAfterSeconds: 1) : new WebhookReply(200), time);
        await using var harness = await DispatcherHarness.CreateAsync(webhook.Url, o => o.MaxRetryDelay = TimeSpan.FromSeconds(5), time);

        harness.Sink.Publish(SampleAlerts.User("bea"));

        // The dispatcher waits on the fake clock: move it in steps far smaller than a second.
        await Poll.UntilAsync(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            return Task.FromResult(harness.Dispatcher.Delivered == 1);
        }, Deadline, "the alert to be delivered");
        var calls = webhook.Calls;
        Assert.Equal([429, 200], calls.Select(c => c.Reply.Status));
        // Without Retry-After the retry would come after the 10 ms backoff, well within one step.
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(1), $"retried after {calls[1].At - calls[0].At}");
    }

    [Fact]
    public async Task Webhook_answering_400_is_not_retried()
    {
        await using var webhook = await WebhookReceiver.StartAsync((_, _) => new WebhookReply(400));
        await using var harness = await DispatcherHarness.CreateAsync(webhook.Url);

        harness.Sink.Publish(SampleAlerts.User("bea"));

        await Poll.UntilAsync(() => Task.FromResult(harness.Dispatcher.DeliveryFailures == 1), Deadline, "the delivery to be given up");
        Assert.Single(webhook.Calls);
        Assert.Equal(0, harness.Dispatcher.Delivered);
        Assert.Single(await harness.AuditRowsAsync(1));
    }

    [Fact]
    public async Task Hanging_webhook_holds_up_neither_Publish_nor_other_alerts()
    {
        await using var webhook = await WebhookReceiver.StartAsync((_, text) => text.Contains("slow", StringComparison.Ordinal) ? new WebhookReply(200, Hang: true) : new WebhookReply(200));
        await using var harness = await DispatcherHarness.CreateAsync(webhook.Url);

        harness.Sink.Publish(SampleAlerts.User("slow"));
        await Poll.UntilAsync(() => Task.FromResult(webhook.Calls.Count == 1), Deadline, "the first alert to reach the hanging webhook");
        harness.Sink.Publish(SampleAlerts.User("quick"));

        await Poll.UntilAsync(() => Task.FromResult(harness.Dispatcher.Delivered == 1), Deadline, "the second alert to be delivered");
        Assert.Contains("quick", webhook.Calls[^1].Text);
        var rows = await harness.AuditRowsAsync(2);
        Assert.Equal(["user:quick", "user:slow"], rows.Select(r => r.Target).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Each_alert_is_one_admin_audit_row_even_without_a_webhook()
    {
        await using var harness = await DispatcherHarness.CreateAsync(webhookUrl: null);
        var alert = SampleAlerts.User("bea");

        harness.Sink.Publish(alert);
        harness.Sink.Publish(alert with { Scope = BudgetAlert.TeamScope, ScopeId = "platform", UserId = null, ThresholdPercent = 50 });
        harness.Sink.Publish(alert with { Scope = BudgetAlert.KeyScope, ScopeId = "Q49zQdqqcNR3", ThresholdPercent = 100 });

        var rows = await harness.AuditRowsAsync(3);
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal("budget.threshold", r.Action);
            Assert.Equal("gateway", r.Actor);
            Assert.Equal("budget alerts", r.ActorName);
            Assert.True(r.Success);
        });
        var user = Assert.Single(rows, r => r.Target == "user:bea");
        Assert.Equal(alert.ToMessage(), user.Detail);
        Assert.Equal(alert.At, user.At);
        var after = JsonDocument.Parse(user.AfterJson!).RootElement;
        Assert.Equal(80, after.GetProperty("thresholdPercent").GetInt32());
        Assert.Equal(4_020_000, after.GetProperty("spentMicros").GetInt64());
        Assert.Contains(rows, r => r.Target == "team:platform");
        Assert.Contains(rows, r => r.Target == "key:Q49zQdqqcNR3");
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_alerts_without_blocking()
    {
        await using var harness = await DispatcherHarness.CreateAsync(webhookUrl: null, o => o.QueueCapacity = 2, start: false);

        for (var i = 0; i < 5; i++)
        {
            harness.Sink.Publish(SampleAlerts.User("u" + i));
        }

        Assert.Equal(3, harness.Dispatcher.Dropped);
        await harness.StartAsync();
        var rows = await harness.AuditRowsAsync(2);
        Assert.Equal(["user:u0", "user:u1"], rows.Select(r => r.Target).Order(StringComparer.Ordinal));
    }
}
