using System.Globalization;

namespace Gateway.Cli.Output;

/// <summary>
/// Micro-dollars (the gateway's integer money) as dollars, by integer arithmetic: exact, never through
/// floating point.
/// </summary>
internal static class MicroDollars
{
    private const long PerDollar = 1_000_000;

    /// <summary>Six decimals always (<c>12.500000</c>, <c>0.001204</c>): a column a spreadsheet or a script reads exactly.</summary>
    public static string Exact(long micros)
    {
        var sign = micros < 0 ? "-" : "";
        var abs = Math.Abs((decimal)micros);
        var dollars = decimal.Truncate(abs / PerDollar);
        var fraction = abs - (dollars * PerDollar);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{dollars:0}.{fraction:000000}");
    }

    /// <summary>For people: two decimals, or more when cents would hide the amount (<c>0.00039</c>), as the gateway shows it.</summary>
    public static string Display(long micros)
    {
        var exact = Exact(micros);
        var trimmed = exact.TrimEnd('0');
        var decimals = trimmed.Length - trimmed.IndexOf('.', StringComparison.Ordinal) - 1;
        return decimals >= 2 ? trimmed : trimmed + new string('0', 2 - decimals);
    }
}
