namespace Gateway.Frontend.Pricing;

/// <summary>How each front-end follows the prices table.</summary>
public sealed class PriceOptions
{
    public const string Section = "Gateway:Prices";

    /// <summary>
    /// How often every front-end re-reads the prices table: a change made anywhere applies
    /// everywhere within this interval (at once on the front-end that made it). Each read is one
    /// query of one partition, so a short interval costs little.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);
}
