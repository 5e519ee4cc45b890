using System.ComponentModel.DataAnnotations;

namespace Gateway.Host;

/// <summary>How this process finds and joins its cluster (membership lives in Table Storage).</summary>
public sealed class GatewayClusterOptions
{
    public const string Section = "Gateway:Cluster";

    [Required]
    public string ClusterId { get; set; } = "gateway-local";

    [Required]
    public string ServiceId { get; set; } = "gateway";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo on.</summary>
    [Required]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
}
