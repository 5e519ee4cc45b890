using Gateway.Core;

namespace Gateway.Grains.Alerts;

/// <summary>
/// A budget's recent spend, bounded in memory: one bucket per minute over the short window (the
/// sliding sum), and one bucket per window-length period over the baseline (the normal). With the
/// defaults that is 10 + 144 buckets per grain, each a 32-bit stamp and a 64-bit sum (1.9 KB),
/// allocated at the first spend: a key or user that has spent nothing since its activation holds
/// none (of 100,000 active keys, most are idle at any moment). Kept in memory; at the first spend
/// after activation the normal is seeded from the usage rollups of the hours before (<see cref="Seed"/>), so the multiple
/// waits for <see cref="VelocityOptions.MinBaseline"/> only for a budget younger than that.
/// <para>
/// An alert fires once per episode: when a check finds the window over a limit and none fired in
/// the last window, and not again until a check has found it back under after at least a window.
/// </para>
/// </summary>
public sealed class SpendVelocity
{
    private readonly int _windowMinutes;
    private readonly int _periods;

    // Minutes and periods since 1970 fit an int for millennia; a sum of micro-dollars needs a long.
    // Empty until the first spend.
    private int[] _minuteStamp = [];
    private long[] _minuteSpend = [];
    private int[] _periodStamp = [];
    private long[] _periodSpend = [];
    private readonly long _minBaselinePeriods;
    private readonly long _minWindowMicros;
    private long _firstPeriod;
    private long _latestMinute = long.MinValue;
    private long? _firedAtMinute;

    public SpendVelocity(VelocityOptions options, DateTimeOffset now)
    {
        _windowMinutes = (int)options.Window.TotalMinutes;
        _periods = (int)(options.Baseline.TotalMinutes / _windowMinutes);
        _minBaselinePeriods = Math.Max(1, (long)Math.Ceiling(options.MinBaseline.TotalMinutes / _windowMinutes));
        _minWindowMicros = Money.FromUsd(options.MinWindowUsd);
        _firstPeriod = Minute(now) / _windowMinutes;
    }

    public TimeSpan Window => TimeSpan.FromMinutes(_windowMinutes);

    /// <summary>Spend recorded at <paramref name="at"/>; spend older than the buckets reach is only counted in what it still falls in.</summary>
    public void Add(DateTimeOffset at, long micros)
    {
        if (micros <= 0)
        {
            return;
        }

        if (_minuteStamp.Length == 0)
        {
            (_minuteStamp, _minuteSpend) = (Filled(_windowMinutes), new long[_windowMinutes]);
            (_periodStamp, _periodSpend) = (Filled(_periods), new long[_periods]);
        }

        var minute = Minute(at);
        _latestMinute = Math.Max(_latestMinute, minute);
        AddTo(_minuteStamp, _minuteSpend, minute, micros, _latestMinute);

        // The normal counts from when this grain began watching (rows replayed at activation are only
        // those since the checkpoint, so they could not stand for the periods they fall in).
        var period = minute / _windowMinutes;
        AddTo(_periodStamp, _periodSpend, period, micros, _latestMinute / _windowMinutes);
    }

    /// <summary>How far back the normal looks.</summary>
    public TimeSpan BaselineLength => TimeSpan.FromMinutes((long)_periods * _windowMinutes);

    /// <summary>
    /// The normal from before this activation: spend by hour (the usage rollups) since
    /// <paramref name="watchedSince"/> (when the budget was created, or the baseline's reach if that
    /// is later). Each hour's spend is spread evenly over its minutes (over those before this one, for
    /// the hour that is under way) and the periods before this activation take those sums in place of
    /// what they held (at most rows replayed at activation, which the rollups count too). Without it
    /// a key that wakes up to a runaway would learn the runaway as its normal.
    /// </summary>
    public void Seed(IReadOnlyDictionary<DateTimeOffset, long> hourly, DateTimeOffset watchedSince, DateTimeOffset now)
    {
        var nowMinute = Minute(now);
        var current = nowMinute / _windowMinutes;
        var since = Math.Max(Minute(watchedSince) / _windowMinutes, current - _periods);
        if (since >= _firstPeriod)
        {
            return;
        }

        if (_minuteStamp.Length == 0)
        {
            (_minuteStamp, _minuteSpend) = (Filled(_windowMinutes), new long[_windowMinutes]);
            (_periodStamp, _periodSpend) = (Filled(_periods), new long[_periods]);
        }

        for (var period = since; period < _firstPeriod; period++)
        {
            var slot = (int)(period % _periods);
            if (_periodStamp[slot] <= period)
            {
                (_periodStamp[slot], _periodSpend[slot]) = ((int)period, 0);
            }
        }

        foreach (var (hour, micros) in hourly)
        {
            var first = Minute(hour);
            var minutes = Math.Clamp(nowMinute - first, 1, 60);
            for (var i = 0; i < minutes; i++)
            {
                var period = (first + i) / _windowMinutes;
                var share = (micros * (i + 1) / minutes) - (micros * i / minutes);
                var slot = (int)(period % _periods);
                if (period >= since && period < _firstPeriod && _periodStamp[slot] == period)
                {
                    _periodSpend[slot] += share;
                }
            }
        }

        _firstPeriod = since;
        _latestMinute = Math.Max(_latestMinute, nowMinute);
    }

    /// <summary>Spend in the window that ends at <paramref name="now"/> (its minute included).</summary>
    public long WindowSpend(DateTimeOffset now)
    {
        var minute = Minute(now);
        long sum = 0;
        for (var i = 0; i < _minuteStamp.Length; i++)
        {
            if (_minuteStamp[i] > minute - _windowMinutes && _minuteStamp[i] <= minute)
            {
                sum += _minuteSpend[i];
            }
        }

        return sum;
    }

    /// <summary>
    /// The normal: the sum and the number of whole periods (each a window long) watched before the
    /// current one, within the baseline; (0, 0) before the first has ended.
    /// </summary>
    public (long Spend, long Periods) Baseline(DateTimeOffset now)
    {
        var current = Minute(now) / _windowMinutes;
        var periods = Math.Min(_periods, current - _firstPeriod);
        long sum = 0;
        for (var i = 0; i < _periodStamp.Length; i++)
        {
            if (_periodStamp[i] >= current - periods && _periodStamp[i] < current)
            {
                sum += _periodSpend[i];
            }
        }

        return (sum, Math.Max(0, periods));
    }

    /// <summary>
    /// Whether the window that ends now is a spike against <paramref name="microsPerHour"/> (null or 0:
    /// no fixed rate) or <paramref name="multiple"/> times the normal (null or 0: off); the spike once per
    /// episode, else null.
    /// </summary>
    public VelocitySpike? Check(DateTimeOffset now, long? microsPerHour, int? multiple)
    {
        var minute = Minute(now);
        var spend = WindowSpend(now);
        var (baseline, periods) = Baseline(now);

        // Per hour, in whole micro-dollars: spend / window × 60 against the rate, kept in integers.
        var overRate = microsPerHour is > 0 and { } rate && spend * 60 > rate * _windowMinutes;
        var overNormal = multiple is > 0 and { } m && periods >= _minBaselinePeriods && spend >= _minWindowMicros
            && (Int128)spend * periods > (Int128)m * baseline;
        if (!overRate && !overNormal)
        {
            if (_firedAtMinute is { } fired && minute >= fired + _windowMinutes)
            {
                _firedAtMinute = null;
            }

            return null;
        }

        if (_firedAtMinute is not null)
        {
            return null;
        }

        _firedAtMinute = minute;
        var normal = periods > 0 ? baseline / periods : 0;
        return new VelocitySpike(Window, spend, overRate ? microsPerHour : null, overNormal ? multiple : null, normal);
    }

    private static void AddTo(int[] stamps, long[] spend, long unit, long micros, long latest)
    {
        if (unit <= latest - stamps.Length)
        {
            return;
        }

        var slot = (int)(unit % stamps.Length);
        if (stamps[slot] != unit)
        {
            if (stamps[slot] > unit)
            {
                // A newer unit holds the slot: this spend is older than the buckets reach.
                return;
            }

            (stamps[slot], spend[slot]) = ((int)unit, 0);
        }

        spend[slot] += micros;
    }

    private static long Minute(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;

    private static int[] Filled(int length)
    {
        var stamps = new int[length];
        Array.Fill(stamps, int.MinValue);
        return stamps;
    }
}
