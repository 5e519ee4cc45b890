namespace Gateway.Cli.Api;

/// <summary>RFC 7807 problem details, plus the <c>errors</c> map ASP.NET Core adds for validation failures.</summary>
internal sealed record ApiProblem(
    string? Type,
    string? Title,
    int? Status,
    string? Detail,
    string? Instance,
    IReadOnlyDictionary<string, string[]>? Errors);
