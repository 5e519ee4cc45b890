namespace Gateway.Frontend.Console;

/// <summary>The operator console's sign-in (<c>Gateway:Console</c>).</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Gateway:Console";

    /// <summary>
    /// How long a console session lasts from sign-in. A working day: long enough not to interrupt an
    /// incident, short enough that a cookie left on a shared laptop dies by the next morning.
    /// </summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);
}
