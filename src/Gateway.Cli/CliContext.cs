using System.CommandLine;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli;

/// <summary>
/// What every command shares: configuration, output streams, the HTTP handler, and one place that
/// turns failures into messages and exit codes, so that each resource's command file only
/// describes its requests and how to display the answers.
/// </summary>
internal sealed class CliContext(
    GlobalOptions globals,
    TextWriter stdout,
    TextWriter stderr,
    IReadOnlyDictionary<string, string?>? environment,
    HttpMessageHandler? handler)
{
    /// <summary>
    /// Calls the gateway and prints the result: the raw JSON with <c>--json</c>, else <paramref name="render"/>.
    /// </summary>
    public Task<int> RunAsync<T>(
        ParseResult parseResult,
        Func<AdminApiClient, CancellationToken, Task<ApiResponse<T>>> call,
        Action<T, TextWriter> render,
        CancellationToken cancellationToken) =>
        RunAsync(parseResult, call, render, _ => ExitCodes.Success, cancellationToken);

    /// <summary>As above, with the exit code chosen from the answer (a check that reports a failure exits non-zero).</summary>
    public Task<int> RunAsync<T>(
        ParseResult parseResult,
        Func<AdminApiClient, CancellationToken, Task<ApiResponse<T>>> call,
        Action<T, TextWriter> render,
        Func<T, int> exitCode,
        CancellationToken cancellationToken) =>
        RunCoreAsync(
            parseResult,
            async (client, settings, ct) =>
            {
                var response = await call(client, ct);
                if (settings.Json)
                {
                    stdout.WriteLine(JsonText.Indent(response.RawJson));
                }
                else
                {
                    render(response.Value, stdout);
                }

                return exitCode(response.Value);
            },
            cancellationToken);

    /// <summary>
    /// Runs a command that writes its output as it goes (an export, page by page) to standard output or
    /// wherever it chooses, and returns its exit code; configuration, gateway errors and cancellation are
    /// reported as for every other command. It may throw <see cref="CliUsageException"/> before sending anything (exit 2).
    /// </summary>
    public Task<int> RunStreamingAsync(
        ParseResult parseResult,
        Func<AdminApiClient, TextWriter, TextWriter, CancellationToken, Task<int>> run,
        CancellationToken cancellationToken) =>
        RunCoreAsync(parseResult, (client, _, ct) => run(client, stdout, stderr, ct), cancellationToken);

    private async Task<int> RunCoreAsync(
        ParseResult parseResult,
        Func<AdminApiClient, CliSettings, CancellationToken, Task<int>> run,
        CancellationToken cancellationToken)
    {
        CliSettings settings;
        try
        {
            settings = ResolveSettings(parseResult);
        }
        catch (CliUsageException ex)
        {
            return Fail(ExitCodes.Usage, ex.Message);
        }

        try
        {
            using var client = new AdminApiClient(settings, handler);
            return await run(client, settings, cancellationToken);
        }
        catch (CliUsageException ex)
        {
            return Fail(ExitCodes.Usage, ex.Message);
        }
        catch (AdminApiException ex)
        {
            return ReportApiError(ex);
        }
        catch (GatewayUnreachableException ex)
        {
            return Fail(ExitCodes.Unreachable, $"cannot reach the gateway at {ex.BaseUrl}: {ex.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(ExitCodes.Cancelled, "cancelled.");
        }
    }

    private CliSettings ResolveSettings(ParseResult parseResult)
    {
        var url = NullIfBlank(parseResult.GetValue(globals.Url))
            ?? NullIfBlank(GetEnvironmentVariable(CliSettings.UrlVariable))
            ?? CliSettings.DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl)
            || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliUsageException(
                $"invalid gateway URL '{url}': expected an absolute http:// or https:// URL " +
                $"(from --url or {CliSettings.UrlVariable})");
        }

        var adminKey = NullIfBlank(parseResult.GetValue(globals.AdminKey))
            ?? NullIfBlank(GetEnvironmentVariable(CliSettings.AdminKeyVariable))
            ?? throw new CliUsageException(
                $"no admin key: set {CliSettings.AdminKeyVariable} or pass --admin-key");

        // A pasted key often carries a trailing newline; anything else non-printable would
        // make HttpClient throw an obscure header format error instead.
        if (adminKey.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new CliUsageException("the admin key contains whitespace or control characters");
        }

        return new CliSettings(baseUrl, adminKey, parseResult.GetValue(globals.Json));
    }

    private int ReportApiError(AdminApiException ex)
    {
        stderr.WriteLine(TerminalText.Clean($"error: {ex.Message} (HTTP {ex.StatusCode})"));
        if (ex.Problem?.Errors is { Count: > 0 } errors)
        {
            foreach (var (field, messages) in errors)
            {
                foreach (var message in messages)
                {
                    stderr.WriteLine(TerminalText.Clean($"  {field}: {message}"));
                }
            }
        }

        var hint = ex.StatusCode switch
        {
            401 => $"the gateway did not accept the admin key; check {CliSettings.AdminKeyVariable} or --admin-key.",
            403 => "the admin key was accepted but is not allowed to perform this operation.",
            _ => null,
        };
        if (hint is not null)
        {
            stderr.WriteLine($"hint: {hint}");
        }

        return ExitCodes.ApiError;
    }

    private int Fail(int exitCode, string message)
    {
        stderr.WriteLine(TerminalText.Clean($"error: {message}"));
        return exitCode;
    }

    private string? GetEnvironmentVariable(string name) =>
        environment is null
            ? Environment.GetEnvironmentVariable(name)
            : environment.GetValueOrDefault(name);

    private static string? NullIfBlank(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
