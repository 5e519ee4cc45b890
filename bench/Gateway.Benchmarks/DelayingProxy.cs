using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Gateway.Benchmarks;

/// <summary>
/// A TCP relay that holds every chunk it reads for <see cref="DelayEachWay"/> before writing it on,
/// in each direction: a network link with latency and no bandwidth limit. Placed between a
/// front-end (an Orleans client) and a silo's client gateway port, it stands for the distance between
/// a region's front-ends and the cluster. Chunks keep their order; a chunk read while the one before
/// still waits goes out right after it, so a burst is delayed once, not once per chunk.
/// </summary>
internal sealed class DelayingProxy : IAsyncDisposable
{
    private const int ChunkBytes = 64 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _links = [];
    private readonly Task _accepting;
    private long _upstreamChunks;
    private long _downstreamChunks;
    private long _delayTicks;

    public DelayingProxy(int listenPort, IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, listenPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The delay added to each direction; a change applies to chunks read from then on.</summary>
    public TimeSpan DelayEachWay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>Chunks relayed from the clients to the target, and back: about one per grain call each way when calls are spaced out.</summary>
    public (long Upstream, long Downstream) Chunks => (Interlocked.Read(ref _upstreamChunks), Interlocked.Read(ref _downstreamChunks));

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
                lock (_links)
                {
                    _links.Add(RelayAsync(client));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var target = new TcpClient { NoDelay = true })
        {
            client.NoDelay = true;
            try
            {
                await target.ConnectAsync(_target, _stopping.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                return;
            }

            using var link = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            var up = PumpAsync(client.GetStream(), target.GetStream(), isUpstream: true, link.Token);
            var down = PumpAsync(target.GetStream(), client.GetStream(), isUpstream: false, link.Token);
            // One side closing closes the other: the relay is one connection.
            await Task.WhenAny(up, down);
            await link.CancelAsync();
            await Task.WhenAll(up, down);
        }
    }

    /// <summary>Reads as chunks arrive, stamps each with when it may leave, and writes it then.</summary>
    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool isUpstream, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateUnbounded<(byte[] Buffer, int Length, long Due)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = Task.Run(async () =>
        {
            try
            {
                await foreach (var (buffer, length, due) in queue.Reader.ReadAllAsync(cancellationToken))
                {
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken);
                    }

                    await to.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }, CancellationToken.None);

        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
                var read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                Interlocked.Increment(ref isUpstream ? ref _upstreamChunks : ref _downstreamChunks);
                var due = Stopwatch.GetTimestamp() + (long)(DelayEachWay.TotalSeconds * Stopwatch.Frequency);
                queue.Writer.TryWrite((buffer, read, due));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            queue.Writer.TryComplete();
        }

        await writer;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] links;
        lock (_links)
        {
            links = [.. _links];
        }

        await Task.WhenAll(links);
        _stopping.Dispose();
    }
}
