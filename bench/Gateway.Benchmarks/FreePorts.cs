using System.Net;
using System.Net.Sockets;

namespace Gateway.Benchmarks;

internal static class FreePorts
{
    /// <summary>A port the OS just handed out: Orleans silo and gateway ports cannot be 0.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
