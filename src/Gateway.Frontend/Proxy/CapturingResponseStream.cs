using System.Buffers;
using System.Text;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// Sits between the forwarder and the client. Server-sent events pass through one whole event at
/// a time (so the usage chunk can be read, and hidden from a caller that didn't ask for it); any
/// other body passes through unchanged while a bounded copy is kept to read its usage at the end.
/// </summary>
public sealed class CapturingResponseStream(Stream inner, UsageAccumulator usage, Func<bool> isEventStream, bool hideUsageChunk, int maxCapturedBytes) : Stream
{
    private readonly ArrayBufferWriter<byte> _pending = new();
    private readonly ArrayBufferWriter<byte> _body = new();
    private bool? _eventStream;
    private bool _bodyOverflow;

    /// <summary>The non-streamed body as text, when it was small enough to keep; else null.</summary>
    public string? CapturedBody => _eventStream == false && !_bodyOverflow ? System.Text.Encoding.UTF8.GetString(_body.WrittenSpan) : null;

    /// <summary>Bytes written to the client so far.</summary>
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _eventStream ??= isEventStream();
        if (_eventStream == false)
        {
            if (!_bodyOverflow)
            {
                if (_body.WrittenCount + buffer.Length <= maxCapturedBytes)
                {
                    _body.Write(buffer.Span);
                }
                else
                {
                    _bodyOverflow = true;
                }
            }

            await WriteInnerAsync(buffer, cancellationToken);
            return;
        }

        _pending.Write(buffer.Span);
        await DrainEventsAsync(cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Forwards whatever is left (an unterminated event) and reads the usage of a non-streamed body.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_eventStream == true && _pending.WrittenCount > 0)
        {
            var rest = _pending.WrittenMemory.ToArray();
            _pending.Clear();
            await WriteInnerAsync(rest, cancellationToken);
        }
        else if (_eventStream == false && !_bodyOverflow)
        {
            usage.OnBody(_body.WrittenSpan);
        }
    }

    private async Task DrainEventsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var span = _pending.WrittenSpan;
            var (end, next) = FindEventEnd(span);
            if (end < 0)
            {
                return;
            }

            var eventBytes = span[..next].ToArray();
            var remainder = span[next..].ToArray();
            _pending.Clear();
            _pending.Write(remainder);

            var keep = true;
            var data = ExtractData(eventBytes.AsSpan(0, end));
            if (data is not null)
            {
                keep = usage.OnEvent(data, hideUsageChunk);
            }

            if (keep)
            {
                await WriteInnerAsync(eventBytes, cancellationToken);
            }
        }
    }

    /// <summary>An event ends at a blank line; returns the end of its content and the start of the next.</summary>
    private static (int End, int Next) FindEventEnd(ReadOnlySpan<byte> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] != '\n')
            {
                continue;
            }

            var j = i + 1;
            if (j < span.Length && span[j] == '\r')
            {
                j++;
            }

            if (j < span.Length && span[j] == '\n')
            {
                return (i, j + 1);
            }
        }

        return (-1, -1);
    }

    private static string? ExtractData(ReadOnlySpan<byte> eventBytes)
    {
        StringBuilder? data = null;
        foreach (var rawLine in Encoding.UTF8.GetString(eventBytes).Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var value = line.AsSpan(5);
            if (value.Length > 0 && value[0] == ' ')
            {
                value = value[1..];
            }

            data ??= new StringBuilder();
            if (data.Length > 0)
            {
                data.Append('\n');
            }

            data.Append(value);
        }

        return data?.ToString();
    }

    private async ValueTask WriteInnerAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(bytes, cancellationToken);
        BytesWritten += bytes.Length;
    }
}
