using Gateway.Tests.EndToEnd;
using Microsoft.Playwright;

namespace Gateway.Tests.Console;

/// <summary>
/// A gateway and one headless Chromium for a class of browser tests. Debian's <c>chromium</c>
/// package (test.sh installs it), not Playwright's download, which is not available here.
/// </summary>
public sealed class ConsoleBrowserFixture : DashboardGatewayFixture
{
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("GATEWAY_TEST_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";

    /// <summary>Where each page's screenshot is saved: artifacts/console under the test output folder.</summary>
    public static string Artifacts { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "console");

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"No Chromium at {ChromiumPath}: run ./test.sh (it installs Debian's chromium), or apt-get install chromium.");
        }

        await base.InitializeAsync();
        Directory.CreateDirectory(Artifacts);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true });
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}
