namespace Gateway.Frontend.Proxy;

/// <summary>Which provider's wire format a route speaks: it decides the error shape and how usage is read.</summary>
public enum ApiDialect
{
    OpenAI,
    Anthropic,
}
