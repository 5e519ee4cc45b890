using System.Buffers;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// Sits between the forwarder and the client. Server-sent events pass through one whole event at
/// a time (so the usage chunk can be read, and hidden from a caller that didn't ask for it); any
/// other body passes through unchanged while a bounded copy is kept to read its usage at the end.
/// </summary>
public sealed class CapturingResponseStream(Stream inner, UsageAccumulator usage, Func<bool> isEventStream, bool hideUsageChunk, int maxCapturedBytes) : Stream
{
    // Stream bytes not yet passed on: the start of an event whose end has not arrived.
    private byte[] _pending = [];
    private int _pendingCount;
    private readonly List<(int Start, int Length)> _writes = [];
    private byte[]? _joined;
    // The non-streamed body's copy, in a pooled array returned on dispose.
    private byte[] _body = [];
    private int _bodyCount;
    private bool? _eventStream;
    private bool _bodyOverflow;

    /// <summary>The non-streamed body as text, when it was small enough to keep; else null.</summary>
    public string? CapturedBody => _eventStream == false && !_bodyOverflow ? System.Text.Encoding.UTF8.GetString(_body, 0, _bodyCount) : null;

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
                if (_bodyCount + buffer.Length <= maxCapturedBytes)
                {
                    AppendPooled(ref _body, ref _bodyCount, buffer.Span);
                }
                else
                {
                    _bodyOverflow = true;
                }
            }

            await WriteInnerAsync(buffer, cancellationToken);
            return;
        }

        AppendPooled(ref _pending, ref _pendingCount, buffer.Span);
        await DrainEventsAsync(cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Forwards whatever is left (an unterminated event) and reads the usage of a non-streamed body.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_eventStream == true && _pendingCount > 0)
        {
            await WriteInnerAsync(_pending.AsMemory(0, _pendingCount), cancellationToken);
            _pendingCount = 0;
        }
        else if (_eventStream == false && !_bodyOverflow)
        {
            usage.OnBody(_body.AsSpan(0, _bodyCount));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _pending.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = [];
            _pendingCount = 0;
        }

        if (disposing && _body.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_body);
            _body = [];
            _bodyCount = 0;
        }

        base.Dispose(disposing);
    }

    /// <summary>Appends to a pooled buffer, renting a larger one (and returning the old) when it is full.</summary>
    private static void AppendPooled(ref byte[] buffer, ref int count, ReadOnlySpan<byte> bytes)
    {
        if (count + bytes.Length > buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(count + bytes.Length, Math.Max(4096, buffer.Length * 2)));
            buffer.AsSpan(0, count).CopyTo(grown);
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            buffer = grown;
        }

        bytes.CopyTo(buffer.AsSpan(count));
        count += bytes.Length;
    }

    /// <summary>
    /// Passes on every whole event received so far, in as few writes as it can: one, unless a usage
    /// chunk to hide sits between them. A partial event waits for the rest of it.
    /// </summary>
    private async Task DrainEventsAsync(CancellationToken cancellationToken)
    {
        var consumed = ScanEvents(_pending.AsSpan(0, _pendingCount), _writes);
        foreach (var (start, length) in _writes)
        {
            await WriteInnerAsync(_pending.AsMemory(start, length), cancellationToken);
        }

        _writes.Clear();
        if (consumed > 0)
        {
            _pending.AsSpan(consumed, _pendingCount - consumed).CopyTo(_pending);
            _pendingCount -= consumed;
        }
    }

    /// <summary>Reads each whole event's data for usage; returns the bytes the events take, and lists the runs of them to pass on.</summary>
    private int ScanEvents(ReadOnlySpan<byte> pending, List<(int Start, int Length)> writes)
    {
        var consumed = 0;
        var runStart = 0;
        while (FindEventEnd(pending[consumed..]) is var (end, next) && end >= 0)
        {
            var keep = true;
            var eventBytes = pending.Slice(consumed, end);
            var data = DataOf(eventBytes, ref _joined, out var hasData);
            if (hasData)
            {
                keep = usage.OnEvent(data, hideUsageChunk);
            }

            if (!keep)
            {
                if (consumed > runStart)
                {
                    writes.Add((runStart, consumed - runStart));
                }

                runStart = consumed + next;
            }

            consumed += next;
        }

        if (consumed > runStart)
        {
            writes.Add((runStart, consumed - runStart));
        }

        return consumed;
    }

    /// <summary>An event ends at a blank line; returns the end of its content and the start of the next.</summary>
    private static (int End, int Next) FindEventEnd(ReadOnlySpan<byte> span)
    {
        var from = 0;
        while (true)
        {
            var i = span[from..].IndexOf((byte)'\n');
            if (i < 0)
            {
                return (-1, -1);
            }

            i += from;
            var j = i + 1;
            if (j < span.Length && span[j] == '\r')
            {
                j++;
            }

            if (j < span.Length && span[j] == '\n')
            {
                return (i, j + 1);
            }

            from = i + 1;
        }
    }

    /// <summary>
    /// The event's data: its one <c>data:</c> line as it stands in the buffer (the usual case), or
    /// several joined with newlines into <paramref name="joined"/>; <paramref name="hasData"/> says whether it has any.
    /// </summary>
    private static ReadOnlySpan<byte> DataOf(ReadOnlySpan<byte> eventBytes, ref byte[]? joined, out bool hasData)
    {
        ReadOnlySpan<byte> single = default;
        var lines = 0;
        var length = 0;
        var rest = eventBytes;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            if (TryDataValue(line, out var value))
            {
                if (lines == 0)
                {
                    single = value;
                }
                else
                {
                    if (lines == 1)
                    {
                        length = Join(ref joined, 0, single, first: true);
                    }

                    length = Join(ref joined, length, value, first: false);
                }

                lines++;
            }
        }

        hasData = lines > 0;
        return lines <= 1 ? single : joined.AsSpan(0, length);
    }

    private static int Join(ref byte[]? joined, int length, ReadOnlySpan<byte> value, bool first)
    {
        var needed = length + value.Length + 1;
        if (joined is null || joined.Length < needed)
        {
            Array.Resize(ref joined, Math.Max(needed, 256));
        }

        if (!first)
        {
            joined[length++] = (byte)'\n';
        }

        value.CopyTo(joined.AsSpan(length));
        return length + value.Length;
    }

    /// <summary>Whether a line is a <c>data:</c> field, and its value without the one optional space and the line's <c>\r</c>.</summary>
    private static bool TryDataValue(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> value)
    {
        if (!line.StartsWith("data:"u8))
        {
            value = default;
            return false;
        }

        value = line[5..];
        if (!value.IsEmpty && value[^1] == '\r')
        {
            value = value[..^1];
        }

        if (!value.IsEmpty && value[0] == ' ')
        {
            value = value[1..];
        }

        return true;
    }

    private async ValueTask WriteInnerAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(bytes, cancellationToken);
        BytesWritten += bytes.Length;
    }
}
