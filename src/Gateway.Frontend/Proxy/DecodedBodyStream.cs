namespace Gateway.Frontend.Proxy;

/// <summary>
/// A request body being decompressed, whose decoders disagree on how to say "this is not valid
/// data": gzip and deflate throw <see cref="InvalidDataException"/>, Brotli throws
/// <see cref="InvalidOperationException"/>. This makes it always the former, so one handler can
/// answer 400 without catching every <see cref="InvalidOperationException"/> on the request path.
/// </summary>
internal sealed class DecodedBodyStream(Stream decoder) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return decoder.Read(buffer, offset, count);
        }
        catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await decoder.ReadAsync(buffer, cancellationToken);
        }
        catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
