namespace Gateway.Tests.Infrastructure;

/// <summary>How a CLI run ended, and what it printed.</summary>
public sealed record AgentRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
