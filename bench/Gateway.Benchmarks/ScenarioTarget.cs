namespace Gateway.Benchmarks;

/// <summary>Where a scenario's requests go.</summary>
internal enum ScenarioTarget
{
    /// <summary>The simulator itself, with the provider key: no proxy at all.</summary>
    Direct,

    /// <summary>A bare YARP forwarder in a process of its own: the floor every gateway figure is compared to.</summary>
    BareForwarder,

    /// <summary>The all-in-one gateway in a process of its own.</summary>
    Gateway,
}
