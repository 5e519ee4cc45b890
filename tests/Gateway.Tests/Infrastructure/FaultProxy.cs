using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A TCP proxy tests put between the gateway and Azurite to make storage misbehave for real:
/// <see cref="FaultMode.Pass"/> forwards bytes, <see cref="FaultMode.Stall"/> holds every byte (and
/// every new connection) until the mode changes, <see cref="FaultMode.Reset"/> resets every
/// connection, open and new.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _connections = [];
    private readonly Task _accepting;
    private volatile TaskCompletionSource _flowing = NewGate(open: true);
    private volatile FaultMode _mode = FaultMode.Pass;

    public FaultProxy(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The connection string of the test storage with its table endpoint moved onto this proxy.</summary>
    public static string ConnectionStringThrough(FaultProxy proxy) =>
        System.Text.RegularExpressions.Regex.Replace(TestStorage.ConnectionString, @"TableEndpoint=http://127\.0\.0\.1:\d+/", $"TableEndpoint=http://127.0.0.1:{proxy.Port}/");

    /// <summary>The Azurite port of the test storage's connection string.</summary>
    public static int StoragePort() =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(TestStorage.ConnectionString, @"TableEndpoint=http://127\.0\.0\.1:(\d+)/").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    public FaultMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            if (value == FaultMode.Pass)
            {
                _flowing.TrySetResult();
                return;
            }

            if (_flowing.Task.IsCompleted)
            {
                _flowing = NewGate(open: false);
            }

            if (value == FaultMode.Reset)
            {
                lock (_connections)
                {
                    foreach (var (client, upstream) in _connections)
                    {
                        Abort(client);
                        Abort(upstream);
                    }

                    _connections.Clear();
                }
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        if (_mode == FaultMode.Reset)
        {
            Abort(client);
            return;
        }

        var upstream = new TcpClient();
        try
        {
            await _flowing.Task.WaitAsync(_stop.Token);
            await upstream.ConnectAsync(_target, _stop.Token);
            lock (_connections)
            {
                _connections.Add((client, upstream));
            }

            await Task.WhenAny(PumpAsync(client.GetStream(), upstream.GetStream()), PumpAsync(upstream.GetStream(), client.GetStream()));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // A reset connection, or the proxy stopping.
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove((client, upstream));
            }

            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            // A stall holds the bytes read so far until the mode changes back.
            await _flowing.Task.WaitAsync(_stop.Token);
            if (_mode == FaultMode.Reset)
            {
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    private static void Abort(TcpClient client)
    {
        try
        {
            client.Client.LingerState = new LingerOption(true, 0);
            client.Client.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    private static TaskCompletionSource NewGate(bool open)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (open)
        {
            gate.TrySetResult();
        }

        return gate;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _flowing.TrySetResult();
        lock (_connections)
        {
            foreach (var (client, upstream) in _connections)
            {
                client.Dispose();
                upstream.Dispose();
            }
        }

        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}

public enum FaultMode
{
    Pass,
    Stall,
    Reset,
}
