namespace Gateway.Simulator.Azure;

/// <summary>The inside of Azure's front-door error: a code (often the status as a string) and a message, nothing else.</summary>
internal sealed record AzureError(string Code, string Message);
