namespace Gateway;

/// <summary>How a request ended. A 200 is not proof of completion: the outcome is recorded, never assumed.</summary>
[GenerateSerializer, Alias("Gateway.RequestOutcome")]
public enum RequestOutcome
{
    Completed = 0,
    UpstreamError = 1,
    ClientAborted = 2,
    Timeout = 3,
    /// <summary>Found unsettled after a crash: charged at the reserved amount.</summary>
    Unknown = 4,
    /// <summary>Refused by the gateway before anything went upstream.</summary>
    Denied = 5,
}
