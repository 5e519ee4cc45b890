using System.Diagnostics;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Deploy;

/// <summary>
/// The scripts a developer runs. A terminal's Ctrl-C is SIGINT to its foreground process group, and
/// Node stops on it even when the shell started it with SIGINT ignored: an Azurite in run.sh's group
/// stopped at once while the gateway was still writing its last rows. run.sh starts it in a session
/// of its own, out of that group's reach, and stops it itself after the gateway.
/// </summary>
public sealed class LocalScriptsTests
{
    [Fact]
    public async Task Azurite_started_for_run_sh_is_out_of_reach_of_the_terminals_ctrl_c_and_a_plain_one_is_not()
    {
        // As run.sh starts it, in a session of its own: not in the script's process group.
        await using (var own = await StartAsync(ownSession: true))
        {
            Assert.NotEqual(own.ScriptGroup, ProcessGroup(own.AzuritePid));
            Interrupt(own.ScriptGroup);
            Assert.True(await AnswersAsync(own.Port), "Azurite in its own session stopped on the group's SIGINT");
        }

        // Started plainly, as test.sh and bench.sh do (their traps stop it): the group's SIGINT stops it.
        await using var plain = await StartAsync(ownSession: false);
        Assert.Equal(plain.ScriptGroup, ProcessGroup(plain.AzuritePid));
        Interrupt(plain.ScriptGroup);
        await Poll.UntilAsync(() => Task.FromResult(Exited(plain.AzuritePid)), gone => gone, TimeSpan.FromSeconds(20), "Azurite to stop on the group's SIGINT");
    }

    /// <summary>A shell in a process group of its own (as a terminal's foreground job), sourcing the script and starting Azurite.</summary>
    private static async Task<Started> StartAsync(bool ownSession)
    {
        var port = FreePorts.Next();
        var data = Directory.CreateTempSubdirectory("gw-azurite-");
        var info = new ProcessStartInfo("setsid") { WorkingDirectory = BicepCli.RepositoryRoot, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "bash", "-c", $"source scripts/azurite.sh && {(ownSession ? "AZURITE_OWN_SESSION=1 " : "")}start_azurite {port} '{data.FullName}' && echo $AZURITE_PID && wait" })
        {
            info.ArgumentList.Add(arg);
        }

        var script = Process.Start(info)!;
        var line = await script.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(int.TryParse(line, out var pid), $"start_azurite printed '{line}'");
        return new Started(script, pid, port, data);
    }

    private sealed record Started(Process Script, int AzuritePid, int Port, DirectoryInfo Data) : IAsyncDisposable
    {
        /// <summary>setsid made the shell the leader of a new group: its id is the shell's.</summary>
        public int ScriptGroup => Script.Id;

        public async ValueTask DisposeAsync()
        {
            foreach (var pid in new[] { AzuritePid, Script.Id })
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    // Gone already.
                }
            }

            await Script.WaitForExitAsync();
            Script.Dispose();
            Data.Delete(recursive: true);
        }
    }

    /// <summary>What a terminal's Ctrl-C does: SIGINT to every process of the foreground group.</summary>
    private static void Interrupt(int group)
    {
        using var kill = Process.Start("kill", ["-INT", "--", "-" + group])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>The process group of a process, from /proc (the fifth field of its stat line).</summary>
    private static int ProcessGroup(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool Exited(int pid) =>
        !File.Exists($"/proc/{pid}/stat") || File.ReadAllText($"/proc/{pid}/stat") is var stat && stat[(stat.LastIndexOf(')') + 2)] == 'Z';

    private static async Task<bool> AnswersAsync(int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(5));
            return true;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or TimeoutException)
        {
            return false;
        }
    }
}
