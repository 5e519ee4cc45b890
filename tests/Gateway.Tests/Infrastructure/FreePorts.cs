using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

public static class FreePorts
{
    // Below Linux's ephemeral range (32768-60999 by default): a port the OS hands out for port 0 is
    // one it also hands to outgoing connections, and with the suite's classes running side by side
    // one of those took a gateway's port between asking for it and the process binding it
    // ("address already in use"). Ports from here are only ever taken by listeners, and each is
    // handed out once per test run.
    private const int First = 20_000;
    private const int Last = 32_000;
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port no listener holds now and this run has not handed out before; silo ports can't be 0, so tests ask for one this way.</summary>
    public static int Next()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!HandedOut.Add(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // Held by something else: try another.
                }
            }
        }

        throw new InvalidOperationException($"No free port between {First} and {Last} after 1,000 tries.");
    }
}
