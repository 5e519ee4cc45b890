using System.ComponentModel.DataAnnotations;

namespace Gateway.Frontend;

public sealed class FrontendOptions
{
    public const string Section = "Gateway:Frontend";

    /// <summary>Names this front-end in audit rows; defaults to the machine name and process id.</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    public string Region { get; set; } = "local";

    /// <summary>Largest request body accepted; bigger ones get 413 in the caller's API format.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Output ceiling reserved for a request that states none and whose model has no known maximum.</summary>
    [Range(1, 1_000_000)]
    public int DefaultOutputCeiling { get; set; } = 4096;

    /// <summary>The longest a proxied request may take end to end; past it the outcome is <c>timeout</c>.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest non-streamed response kept in memory to read its usage block.</summary>
    public int MaxCapturedResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How long captured prompts and completions are kept (only for keys with capture switched on).</summary>
    public TimeSpan ContentRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The price file; relative paths are resolved against the application directory.</summary>
    [Required]
    public string PriceFile { get; set; } = "prices.json";
}
