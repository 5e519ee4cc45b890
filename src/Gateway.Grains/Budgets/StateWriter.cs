namespace Gateway.Grains.Budgets;

/// <summary>
/// Writes a grain's state one write at a time. Grains whose calls interleave could otherwise start
/// two writes together, and the storage ETag lets only one of them through.
/// </summary>
public sealed class StateWriter(Func<Task> write)
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public async Task WriteAsync()
    {
        await _lock.WaitAsync();
        try
        {
            await write();
        }
        finally
        {
            _lock.Release();
        }
    }
}
