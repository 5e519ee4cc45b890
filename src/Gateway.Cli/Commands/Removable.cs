namespace Gateway.Cli.Commands;

/// <summary>
/// The value of an option that either sets a limit or removes it: <see cref="Value"/> is the new
/// setting, or null to remove it (<c>--rpm none</c>, <c>--expires never</c>). The option itself reads
/// as null when it was not given at all, so an update can tell "leave alone" from "remove".
/// </summary>
/// <remarks>
/// A class rather than <c>T?</c>: System.CommandLine cannot take null back from a custom parser, and
/// would throw an <see cref="InvalidCastException"/> instead of returning it.
/// </remarks>
internal sealed record Removable<T>(T? Value)
    where T : struct;
