namespace Gateway.Cli;

/// <summary>A mistake in the command line or configuration, found before anything was sent.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
