using System.ComponentModel.DataAnnotations;

namespace Gateway.Storage;

/// <summary>Where the gateway keeps its tables. Azurite off Azure, a Storage account on it.</summary>
public sealed class StorageOptions
{
    public const string Section = "Gateway:Storage";

    /// <summary>The well-known Azurite development account on the default table port.</summary>
    public const string AzuriteDefault =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

    [Required]
    public string ConnectionString { get; set; } = AzuriteDefault;

    /// <summary>Prefix for every table the gateway creates, so several deployments or test runs can share an account.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{0,20}$", ErrorMessage = "TablePrefix must start with a letter and hold at most 21 letters or digits.")]
    public string TablePrefix { get; set; } = "gw";

    public string LedgerTable => TablePrefix + "ledger";
    public string JournalTable => TablePrefix + "journal";
    public string AdminKeysTable => TablePrefix + "adminkeys";
    public string AdminAuditTable => TablePrefix + "adminaudit";
    public string ContentTable => TablePrefix + "content";
    public string GrainStateTable => TablePrefix + "grainstate";
    public string MembershipTable => TablePrefix + "membership";
}
