namespace Gateway.Simulator.Azure;

/// <summary>
/// <c>{"error":{"code","message"}}</c>: what Azure OpenAI's front door answers for a bad key or token,
/// an unknown URL (a missing <c>api-version</c> included) and rate limits. Errors from the model
/// service behind it (validation, 5xx) keep OpenAI's envelope.
/// </summary>
internal sealed record AzureErrorBody(AzureError Error);
