using Gateway.Storage;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Table Storage probed while answering, every account side by side: reachable only when all of them
/// answered, <see cref="Milliseconds"/> the slowest round trip, and each account on its own.
/// </summary>
public sealed record StorageProbe(bool Reachable, double Milliseconds, IReadOnlyList<AccountProbe> Accounts);
