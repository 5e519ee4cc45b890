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

    /// <summary>
    /// The address other silos and clients reach this silo on: an IP address, or <c>auto</c> for the
    /// host's own (a container replica's, which only exists once it runs; the Azure deployment sets it),
    /// in which case the silo listens on every interface.
    /// </summary>
    [Required]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>The value of <see cref="AdvertisedAddress"/> that has the silo advertise the host's own address.</summary>
    public const string HostAddress = "auto";

    public bool AdvertisesHostAddress => string.Equals(AdvertisedAddress, HostAddress, StringComparison.OrdinalIgnoreCase);
}
