using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>audit export</c>: a time range of the request ledger as CSV or JSON Lines, streamed a page at a
/// time (each page written and flushed before the next is asked for), so an export of any size holds
/// one page in memory. With <c>--output</c> the file appears only once the export is complete.
/// </summary>
internal static class AuditExportCommand
{
    private const int MaxPageSize = 1000;
    private const string Csv = "csv";
    private const string JsonLines = "jsonl";

    // One object per line: no indentation, and the default encoder's \uXXXX for every non-ASCII character
    // would only make names unreadable (control characters are still escaped, so a line stays one line).
    private static readonly JsonWriterOptions LineOptions = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var format = new Option<string>("--format")
        {
            Description = "csv (a header row, RFC 4180 quoting, money in micro-dollars plus an exact costUsd) or jsonl (one JSON object per line, as the gateway sends each row).",
            HelpName = "csv|jsonl",
            Required = true,
        };
        format.AcceptOnlyFromAmong(Csv, JsonLines);
        var output = TextOption.Create("--output", "Write to this file instead of standard output; it appears only when the export is complete (an existing file is replaced).", "file");
        var pageSize = BoundedIntOption.Create("--page-size", $"Rows asked of the gateway per request, 1 to {MaxPageSize}.", "n", 1, MaxPageSize, MaxPageSize);

        var command = new Command(
            "export",
            "Export the audited requests of a time range, oldest first, as CSV or JSON Lines, page by page. " +
            "Give --from, --to, --format and exactly one of --key, --user, --team or --all-keys.");
        var query = AuditQueryOptions.AddTo(
            command,
            "Requests recorded at or after this time: an ISO-8601 date-time with 'Z' or an offset, or a date (midnight UTC).",
            "Requests recorded before this time (exclusive): an ISO-8601 date-time with 'Z' or an offset, or a date (midnight UTC).");
        query.Range.From.Required = true;
        query.Range.To.Required = true;
        command.Options.Add(format);
        command.Options.Add(output);
        command.Options.Add(pageSize);
        command.Validators.Add(result =>
        {
            if (query.ScopeProblem(result) is { } problem)
            {
                result.AddError(problem);
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "audit?" + query.ToQuery(parseResult) + "&limit=" + parseResult.GetValue(pageSize).ToString(CultureInfo.InvariantCulture);
            var csv = parseResult.GetValue(format) == Csv;
            var file = parseResult.GetTrimmed(output);
            return context.RunStreamingAsync(
                parseResult,
                (api, stdout, stderr, ct) => file is null
                    ? ExportAsync(api, path, csv, stdout, stderr, ct)
                    : ExportToFileAsync(api, path, csv, file, stderr, ct),
                cancellationToken);
        });
        return command;
    }

    private static async Task<int> ExportToFileAsync(AdminApiClient api, string path, bool csv, string file, TextWriter stderr, CancellationToken cancellationToken)
    {
        // Written beside the target and moved over it at the end: a failed or interrupted export leaves no half file behind.
        var target = Path.GetFullPath(file);
        var partial = Path.Combine(Path.GetDirectoryName(target) ?? ".", $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        StreamWriter writer;
        try
        {
            writer = new StreamWriter(partial, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new CliUsageException($"cannot write to '{file}': {ex.Message}");
        }

        var completed = false;
        try
        {
            int rows;
            await using (writer)
            {
                rows = await ExportCoreAsync(api, path, csv, writer, cancellationToken);
            }

            File.Move(partial, target, overwrite: true);
            completed = true;
            await stderr.WriteLineAsync(TerminalText.Clean($"Exported {rows} {(rows == 1 ? "request" : "requests")} to {file}."));
            return ExitCodes.Success;
        }
        catch (IOException ex)
        {
            // A full disk or a file system error part way: the export did not happen.
            await stderr.WriteLineAsync(TerminalText.Clean($"error: could not write '{file}': {ex.Message}"));
            return ExitCodes.ApiError;
        }
        finally
        {
            if (!completed)
            {
                File.Delete(partial);
            }
        }
    }

    private static async Task<int> ExportAsync(AdminApiClient api, string path, bool csv, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            await ExportCoreAsync(api, path, csv, stdout, cancellationToken);
            return ExitCodes.Success;
        }
        catch (IOException ex)
        {
            // Standard output went away part way (a closed pipe): what was written is incomplete, and the exit code says so.
            await stderr.WriteLineAsync(TerminalText.Clean($"error: could not write the output: {ex.Message}"));
            return ExitCodes.ApiError;
        }
    }

    /// <summary>Asks for one page after another and writes each before asking for the next; returns how many rows were written.</summary>
    private static async Task<int> ExportCoreAsync(AdminApiClient api, string path, bool csv, TextWriter output, CancellationToken cancellationToken)
    {
        if (csv)
        {
            AuditCsv.WriteHeader(output);
        }

        var rows = 0;
        string? continuation = null;
        do
        {
            var pagePath = continuation is null ? path : path + "&continuation=" + Uri.EscapeDataString(continuation);
            var page = (await api.GetAsync(pagePath, CliJsonContext.Default.AuditExportPage, cancellationToken)).Value;
            foreach (var row in page.Items ?? [])
            {
                if (csv)
                {
                    AuditCsv.WriteRow(output, row);
                }
                else
                {
                    WriteLine(output, row);
                }

                rows++;
            }

            await output.FlushAsync(cancellationToken);

            // The same token twice would page forever; better an error than an export that never ends.
            if (page.Next is not null && page.Next == continuation)
            {
                throw new AdminApiException(200, "unexpected response from the gateway: the same continuation was returned twice.", problem: null);
            }

            continuation = page.Next;
        }
        while (continuation is not null);

        return rows;
    }

    private static void WriteLine(TextWriter output, JsonElement row)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, LineOptions))
        {
            row.WriteTo(writer);
        }

        output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.Write('\n');
    }
}
