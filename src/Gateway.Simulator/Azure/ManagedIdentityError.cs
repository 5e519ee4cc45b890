namespace Gateway.Simulator.Azure;

/// <summary>An OAuth-style error from the token endpoint; MSAL reads <c>error</c> and <c>error_description</c> into its exception.</summary>
internal sealed record ManagedIdentityError(string Error, string ErrorDescription);
