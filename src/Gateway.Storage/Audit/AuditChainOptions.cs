namespace Gateway.Storage.Audit;

/// <summary>
/// The secret that keys the audit chains (request ledger and admin audit) with HMAC-SHA256, so that
/// someone who can write the tables but does not hold the secret cannot re-hash a row they changed.
/// Silos and front-ends of one deployment must share it: silos write the ledger, front-ends write
/// admin audit rows and verify both.
/// </summary>
public sealed class AuditChainOptions
{
    public const string Section = "Gateway:Audit";

    /// <summary>Shortest secret accepted: 32 characters, so a generated or pasted secret carries at least 128 bits.</summary>
    public const int MinSecretLength = 32;

    /// <summary>
    /// The secret itself (deployed: a Key Vault secret surfaced as <c>Gateway__Audit__ChainSecret</c>).
    /// Never logged. When unset, <see cref="ChainSecretFile"/> supplies one.
    /// </summary>
    public string? ChainSecret { get; set; }

    /// <summary>
    /// Where a generated secret is kept when <see cref="ChainSecret"/> is unset: read when the file
    /// exists, else generated once (mode 600) and kept, so verification still works after a restart.
    /// Default: <c>gateway/audit-chain.secret</c> under the user's local application data folder
    /// (run.sh puts it in its data folder instead). It must not live in the storage account the
    /// chains protect: a secret next to the rows protects nothing against whoever can edit them.
    /// </summary>
    public string? ChainSecretFile { get; set; }

    /// <summary>Refuse to start without a configured <see cref="ChainSecret"/> (the Azure deployment sets this).</summary>
    public bool RequireConfiguredSecret { get; set; }

    public static string DefaultSecretFile =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "gateway", "audit-chain.secret");
}
