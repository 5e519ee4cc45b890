namespace Gateway.Simulator.Azure;

/// <summary>
/// The App Service / Container Apps token response (api-version 2019-08-01), as MSAL parses it:
/// <c>expires_on</c> is Unix seconds written as a string.
/// </summary>
internal sealed record ManagedIdentityTokenResponse(string AccessToken, string ExpiresOn, string Resource, string TokenType, string ClientId);
