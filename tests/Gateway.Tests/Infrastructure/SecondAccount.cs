using System.Diagnostics;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A second storage account for the tests of several accounts: a separate Azurite process (its own
/// port, its own in-memory store), started once per test run from the repository's node_modules and
/// stopped when the test process exits, or whatever <c>GATEWAY_TEST_STORAGE_2</c> names. A shell
/// watches the test process, so a test host killed outright (a hang timeout) takes Azurite with it.
/// </summary>
public static class SecondAccount
{
    private static readonly Lazy<string> Connection = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ConnectionString => Connection.Value;

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable("GATEWAY_TEST_STORAGE_2") is { Length: > 0 } configured)
        {
            return configured;
        }

        var azurite = FindAzurite();
        var port = FreePorts.Next();
        // Standard input a pipe, not the terminal the tests may run in: a background shell that touches
        // the terminal is stopped (SIGTTIN), and its watch with it.
        var info = new ProcessStartInfo("sh") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("\"$1\" --tableHost 127.0.0.1 --tablePort \"$2\" --skipApiVersionCheck --inMemoryPersistence --silent --disableTelemetry </dev/null >/dev/null 2>&1 & a=$!; " +
            "while kill -0 \"$3\" 2>/dev/null && kill -0 $a 2>/dev/null; do sleep 1 </dev/null; done; kill $a 2>/dev/null; " +
            // Azurite handles SIGTERM itself and was once seen not to exit on it (left running after a
            // loaded run): what is still there after 5 s is killed outright.
            "for i in 1 2 3 4 5; do kill -0 $a 2>/dev/null || exit 0; sleep 1 </dev/null; done; kill -9 $a 2>/dev/null");
        info.ArgumentList.Add("second-azurite");
        info.ArgumentList.Add(azurite);
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var watcher = Process.Start(info) ?? throw new InvalidOperationException("could not start the second Azurite");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(watcher);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!PortOpen(port))
        {
            if (watcher.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The second Azurite ({azurite}) did not open port {port}.");
            }

            Thread.Sleep(100);
        }

        return TestStorage.AccountAt(port);
    }

    /// <summary>node_modules/.bin/azurite-table of the repository the tests were built in (test.sh installs it).</summary>
    private static string FindAzurite()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite-table");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("node_modules/.bin/azurite-table not found above the test binaries: run the suite with ./test.sh, which installs it (npm ci).");
    }

    private static bool PortOpen(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static void Stop(Process watcher)
    {
        try
        {
            // The shell's loop sees Azurite's parent gone within a second and stops it; killing the
            // tree here makes it immediate when the process exits normally.
            watcher.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
