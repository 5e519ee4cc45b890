namespace Gateway.Tests.Infrastructure;

/// <summary>Waits for a condition by polling with a deadline; tests never wait with fixed sleeps.</summary>
public static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, Func<T, string>? describe = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var last = default(T);
        Exception? lastError = null;
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                last = await probe();
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception ex)
            {
                lastError = ex;
            }

            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last value: {(last is not null && describe is not null ? describe(last) : last)}", lastError);
    }

    public static Task UntilAsync(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        UntilAsync(probe, ok => ok, timeout, what);
}
