namespace Gateway.Frontend.Admin;

/// <summary>One Table Storage round trip made while answering: whether it succeeded and how long it took.</summary>
public sealed record StorageProbe(bool Reachable, double Milliseconds);
