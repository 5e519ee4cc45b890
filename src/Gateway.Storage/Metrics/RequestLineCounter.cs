namespace Gateway.Storage.Metrics;

/// <summary>
/// A write-only stream that keeps nothing and counts the HTTP request lines written through it: in a
/// <c>$batch</c> body each operation of the change set is one embedded request ending in
/// <c>" HTTP/1.1\r\n"</c>. An entity's JSON cannot hold that sequence, since JSON escapes CR and LF.
/// </summary>
internal sealed class RequestLineCounter : Stream
{
    private static ReadOnlySpan<byte> Marker => " HTTP/1.1\r\n"u8;

    private int _matched;

    public int Count { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var marker = Marker;
        foreach (var b in buffer)
        {
            if (b == marker[_matched])
            {
                if (++_matched == marker.Length)
                {
                    Count++;
                    _matched = 0;
                }
            }
            else
            {
                // The marker's first byte occurs nowhere else in it, so a mismatch can only restart a match.
                _matched = b == marker[0] ? 1 : 0;
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
