using Gateway.Frontend.Admin;
using Gateway.Storage.Admin;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A gateway whose count of failed admin logins runs on a fake clock: 5 failures per one-minute
/// window. Only that count's time is fake; the rest of the gateway keeps the real clock.
/// </summary>
public sealed class AdminAuthLimitFixture : IAsyncLifetime
{
    public const int Limit = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public string Prefix { get; } = TestStorage.NewPrefix();
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);
    public GatewayServer Gateway { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.CreateTablesAsync(Prefix);
        var settings = new GatewaySettings(Prefix, "auth-" + Prefix, "http://127.0.0.1:9")
        {
            Extra = new Dictionary<string, string>
            {
                ["Gateway:Admin:FailedAttemptLimit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Gateway:Admin:FailedAttemptWindow"] = Window.ToString(),
            },
        };
        Gateway = await GatewayServer.StartAsync(settings, builder => builder.Services.Replace(ServiceDescriptor.Singleton(sp => new AdminAuthFailures(
            sp.GetRequiredService<AdminAuditLog>(), Time, sp.GetRequiredService<IOptions<AdminAuthOptions>>(), sp.GetRequiredService<ILogger<AdminAuthFailures>>()))));
        Admin = Gateway.CreateAdminClient();
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
    }
}
