namespace Gateway.Benchmarks;

/// <summary>A bad command line: the program prints the message and the usage, and exits with 2.</summary>
internal sealed class BenchUsageException(string? message) : Exception(message ?? string.Empty);
