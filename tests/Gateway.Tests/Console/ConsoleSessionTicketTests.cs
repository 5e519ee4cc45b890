using Gateway.Frontend.Console;
using Gateway.Storage;
using Gateway.Storage.Admin;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Console;

/// <summary>Session tickets: their expiry (by injected time) and a key ring shared by every front-end through Table Storage.</summary>
public sealed class ConsoleSessionTicketTests
{
    private static readonly AdminKeyRecord Admin = new(new string('a', 64), "ops", AdminRoles.Admin, DateTimeOffset.UnixEpoch, Revoked: false);

    [Fact]
    public async Task A_ticket_is_read_until_its_lifetime_ends_and_never_after()
    {
        var storage = TestStorage.Options(TestStorage.NewPrefix());
        await TestStorage.CreateTablesAsync(storage);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var frontEnd = FrontEnd(storage, time, lifetime: "02:00:00");
        var sessions = frontEnd.GetRequiredService<ConsoleSessions>();

        var (ticket, cookie) = sessions.Issue(Admin);
        Assert.Equal(time.GetUtcNow().AddHours(2), ticket.ExpiresAt);
        time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        Assert.Equal(ticket, sessions.Read(cookie));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(sessions.Read(cookie));
    }

    [Fact]
    public async Task A_cookie_from_one_front_end_is_read_by_another_sharing_the_storage_and_by_no_other()
    {
        var storage = TestStorage.Options(TestStorage.NewPrefix());
        var elsewhere = TestStorage.Options(TestStorage.NewPrefix());
        await TestStorage.CreateTablesAsync(storage);
        await TestStorage.CreateTablesAsync(elsewhere);
        await using var first = FrontEnd(storage, TimeProvider.System);
        await using var second = FrontEnd(storage, TimeProvider.System);
        await using var other = FrontEnd(elsewhere, TimeProvider.System);

        var (ticket, cookie) = first.GetRequiredService<ConsoleSessions>().Issue(Admin);
        Assert.Equal(ticket, second.GetRequiredService<ConsoleSessions>().Read(cookie));
        Assert.Null(other.GetRequiredService<ConsoleSessions>().Read(cookie));
        Assert.Null(second.GetRequiredService<ConsoleSessions>().Read(cookie[..^4] + (cookie.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA")));
    }

    private static ServiceProvider FrontEnd(StorageOptions storage, TimeProvider time, string? lifetime = null)
    {
        var settings = new Dictionary<string, string?>();
        if (lifetime is not null)
        {
            settings[$"{ConsoleOptions.Section}:SessionLifetime"] = lifetime;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(storage));
        services.AddSingleton<GatewayTables>();
        services.AddSingleton<AdminKeyStore>();
        services.AddSingleton(time);
        services.AddConsole();
        return services.BuildServiceProvider();
    }
}
