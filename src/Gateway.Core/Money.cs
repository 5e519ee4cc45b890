using System.Globalization;

namespace Gateway.Core;

/// <summary>
/// Money is an integer count of micro-dollars everywhere in the gateway: never floating point,
/// and never <see cref="decimal"/> in Table Storage, which reads it back as zero.
/// </summary>
public static class Money
{
    public const long MicrosPerDollar = 1_000_000;

    /// <summary>Converts a USD amount given by a person (API body, CLI, config) to micro-dollars.</summary>
    public static long FromUsd(decimal usd)
    {
        if (usd < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(usd), "Amounts cannot be negative.");
        }

        return checked((long)decimal.Round(usd * MicrosPerDollar, 0, MidpointRounding.AwayFromZero));
    }

    /// <summary>Parses a USD string such as <c>"2.50"</c> exactly, without passing through floating point.</summary>
    public static long ParseUsd(string usd) =>
        FromUsd(decimal.Parse(usd, NumberStyles.Number, CultureInfo.InvariantCulture));

    /// <summary>Formats micro-dollars for people: two decimals, or more when cents would hide the amount.</summary>
    public static string ToUsd(long micros)
    {
        var sign = micros < 0 ? "-" : "";
        var abs = Math.Abs(micros);
        var dollars = abs / MicrosPerDollar;
        var fraction = abs % MicrosPerDollar;
        var digits = fraction.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
        if (digits.Length < 2)
        {
            digits = digits.PadRight(2, '0');
        }

        return string.Create(CultureInfo.InvariantCulture, $"{sign}{dollars}.{digits}");
    }
}
