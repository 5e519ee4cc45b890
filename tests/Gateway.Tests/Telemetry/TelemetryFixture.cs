using System.Collections.Concurrent;
using System.Diagnostics;
using Gateway.Tests.EndToEnd;
using Microsoft.AspNetCore.Builder;
using OpenTelemetry.Trace;

namespace Gateway.Tests.Telemetry;

/// <summary>A gateway recording traces, each finished span kept in memory as the in-memory exporter hands it over.</summary>
public sealed class TelemetryFixture : GatewayFixture
{
    private readonly SpanList _spans = new();

    public IReadOnlyCollection<Activity> Spans => _spans.Snapshot();

    protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
    {
        // Traces are recorded only when they have somewhere to go; here, the in-memory exporter below.
        ["Gateway:Telemetry:Traces"] = "true",
    };

    protected override void ConfigureHost(WebApplicationBuilder builder) =>
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));

    /// <summary>The exporter adds from the threads that end spans while a test reads: a collection safe for both.</summary>
    private sealed class SpanList : ICollection<Activity>
    {
        private readonly ConcurrentQueue<Activity> _items = new();

        public int Count => _items.Count;
        public bool IsReadOnly => false;

        public IReadOnlyCollection<Activity> Snapshot() => _items.ToArray();
        public void Add(Activity item) => _items.Enqueue(item);
        public void Clear() => _items.Clear();
        public bool Contains(Activity item) => _items.Contains(item);
        public void CopyTo(Activity[] array, int arrayIndex) => _items.CopyTo(array, arrayIndex);
        public bool Remove(Activity item) => throw new NotSupportedException();
        public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)_items).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
