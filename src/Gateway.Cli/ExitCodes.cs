namespace Gateway.Cli;

/// <summary>
/// Process exit codes. Scripts branch on these, so they are part of the CLI's contract:
/// only ever add new ones, never renumber.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The gateway answered with an error (problem details).</summary>
    public const int ApiError = 1;

    /// <summary>Bad command line or configuration; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>No HTTP answer at all: connection refused, DNS failure, timeout.</summary>
    public const int Unreachable = 3;

    /// <summary>The gateway answered, and what it reported is a failed check (<c>audit verify</c>: a broken chain).</summary>
    public const int CheckFailed = 4;

    /// <summary>Interrupted (Ctrl+C), following the shell's 128 + SIGINT convention.</summary>
    public const int Cancelled = 130;
}
