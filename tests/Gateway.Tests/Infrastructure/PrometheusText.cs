using System.Globalization;

namespace Gateway.Tests.Infrastructure;

/// <summary>Reads figures out of a Prometheus text scrape.</summary>
public static class PrometheusText
{
    /// <summary>The sum of every sample of a metric (a counter's <c>_total</c> too) whose labels hold all of <paramref name="labels"/>.</summary>
    public static long Sum(string metrics, string name, params string[] labels)
    {
        long sum = 0;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith('#') || !(line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + "_total{", StringComparison.Ordinal)))
            {
                continue;
            }

            var close = line.LastIndexOf('}');
            if (labels.All(l => line.AsSpan(0, close).Contains(l, StringComparison.Ordinal)))
            {
                var value = line[(close + 1)..].Trim().Split(' ')[0];
                sum += (long)double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }
}
