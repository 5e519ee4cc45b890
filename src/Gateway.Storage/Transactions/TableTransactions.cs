using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Gateway.Storage.Metrics;

namespace Gateway.Storage.Transactions;

/// <summary>
/// Table transactions (<c>$batch</c>) on the hot path, with the request body written straight into
/// one buffer and the reply read for the one thing its callers need: whether every operation
/// landed, and if not, the failed one's status and error code. <see cref="TableClient.SubmitTransactionAsync"/>
/// does the same round trip, but builds a request object, a header collection and an annotated
/// dictionary per row, and parses the multipart reply line by line into a response per row: profiled
/// under load (docs/benchmark.md), that was a quarter of the gateway's CPU. The round trip, its
/// retries, its timeout and its counting (<see cref="StorageMetrics"/>) are the same: the request goes
/// through an Azure.Core pipeline built from the same <see cref="TableClientOptions"/>, signed with the
/// account's shared key or a Microsoft Entra token. Rows whose properties it cannot write (a type the
/// Table service has no JSON form for here) go through the SDK instead, as does everything when the
/// account is reached by a SAS.
/// </summary>
public sealed class TableTransactions
{
    /// <summary>The Table service version the body is written for (the SDK's own default).</summary>
    private const string ServiceVersion = "2019-02-02";

    private readonly HttpPipeline? _pipeline;
    private readonly string _endpoint;
    private readonly Uri? _batchAddress;

    private TableTransactions(string endpoint, HttpPipeline? pipeline)
    {
        _endpoint = endpoint.TrimEnd('/');
        // Built once: every transaction goes to the same address. Only the SDK's way (no pipeline) needs none.
        _batchAddress = pipeline is null ? null : new Uri(_endpoint + "/$batch");
        _pipeline = pipeline;
    }

    /// <summary>Every transaction through the SDK's <see cref="TableClient.SubmitTransactionAsync"/> (<see cref="StorageOptions.HandWrittenTransactions"/> off).</summary>
    public static TableTransactions ThroughSdk { get; } = new("", null);

    /// <summary>
    /// For an account given by connection string: signed with its shared key, or, when the string
    /// carries none (a SAS), every transaction through the SDK.
    /// </summary>
    public static TableTransactions ForConnectionString(string connectionString, TableClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var service = new TableServiceClient(connectionString);
        var key = ConnectionStringKey(connectionString);
        return key is null
            ? new TableTransactions(service.Uri.AbsoluteUri, null)
            : new TableTransactions(service.Uri.AbsoluteUri, HttpPipelineBuilder.Build(options, new SharedKeyPolicy(service.AccountName, Convert.FromBase64String(key))));
    }

    /// <summary>For an account reached with a Microsoft Entra token (a managed identity on Azure).</summary>
    public static TableTransactions ForTokenCredential(Uri endpoint, TokenCredential credential, TableClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        return new TableTransactions(endpoint.AbsoluteUri,
            HttpPipelineBuilder.Build(options, new BearerTokenAuthenticationPolicy(credential, "https://storage.azure.com/.default")));
    }

    /// <summary>
    /// Commits the rows (1 to 100, one partition, distinct row keys) in one transaction: all land, or
    /// none and a <see cref="RequestFailedException"/> with the failed row's status and error code.
    /// A failure without an answer from storage (a timeout, no connection) throws as the pipeline does.
    /// A lone row (other than a merge) goes as a plain write of one entity, with the same outcome.
    /// </summary>
    public async Task SubmitAsync(TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(actions);
        var pipeline = BatchBody.CanWrite(actions) ? _pipeline : null;
        if (actions.Count == 1 && actions[0].ActionType is not (TableTransactionActionType.UpsertMerge or TableTransactionActionType.UpdateMerge))
        {
            await (pipeline is null ? WriteOneThroughSdkAsync(table, actions[0], cancellationToken) : WriteOneAsync(pipeline, table.Name, actions[0], cancellationToken));
            return;
        }

        if (pipeline is null)
        {
            await table.SubmitCountedAsync([.. actions], cancellationToken);
            return;
        }

        // The counting policy reads the batch's table and size from here (its body is not parsed again).
        StorageMetrics.Batch.Value = new StorageMetrics.BatchInfo(table.Name, actions.Count);
        var body = new ArrayBufferWriter<byte>(BatchBody.EstimateSize(actions));
        var boundary = BatchBody.Write(body, _endpoint, table.Name, actions);

        using var message = pipeline.CreateMessage();
        var request = message.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(_batchAddress!);
        AddVersions(request);
        request.Headers.Add("Accept", "application/json");
        request.Headers.Add("Content-Type", "multipart/mixed; boundary=" + boundary);
        request.Content = RequestContent.Create(body.WrittenMemory);
        message.ResponseClassifier = AcceptedOnly;

        await pipeline.SendAsync(message, cancellationToken);
        var response = message.Response;
        if (response.Status != 202)
        {
            throw new RequestFailedException(response);
        }

        if (BatchReply.FirstFailure(response.Content.ToMemory().Span) is { } failure)
        {
            throw new RequestFailedException(failure.Status, failure.Message, failure.Code, null);
        }
    }

    /// <summary>The service and OData versions every request of ours speaks, a transaction or a lone write.</summary>
    private static void AddVersions(Azure.Core.Request request)
    {
        request.Headers.Add("x-ms-version", ServiceVersion);
        request.Headers.Add("DataServiceVersion", "3.0");
        request.Headers.Add("MaxDataServiceVersion", "3.0;NetFx");
    }

    /// <summary>
    /// A lone row, written without the batch envelope: the service's plain insert, update or delete of
    /// one entity (learn.microsoft.com/rest/api/storageservices/insert-entity and its siblings). The
    /// same one round trip, with the same outcome (the row lands or storage says why not), and less to
    /// write and to serve than a batch of one (Azurite took 0.85-0.95 ms for a batch of one against
    /// 0.65-0.8 ms for a plain insert, docs/benchmark.md). Merges still go as a batch: the plain merge
    /// needs the MERGE verb, which nothing here sends alone.
    /// </summary>
    private async Task WriteOneAsync(HttpPipeline pipeline, string table, TableTransactionAction action, CancellationToken cancellationToken)
    {
        var entity = action.Entity;
        var (method, address, etag, hasBody) = action.ActionType switch
        {
            TableTransactionActionType.Add => (RequestMethod.Post, _endpoint + "/" + table, (ETag?)null, true),
            TableTransactionActionType.UpsertReplace => (RequestMethod.Put, BatchBody.EntityAddress(_endpoint, table, entity), null, true),
            TableTransactionActionType.UpdateReplace => (RequestMethod.Put, BatchBody.EntityAddress(_endpoint, table, entity), action.ETag, true),
            TableTransactionActionType.Delete => (RequestMethod.Delete, BatchBody.EntityAddress(_endpoint, table, entity), action.ETag, false),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action.ActionType, "Not a lone write."),
        };

        using var message = pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(new Uri(address));
        AddVersions(request);
        request.Headers.Add("Accept", "application/json;odata=minimalmetadata");
        if (etag is { } version)
        {
            request.Headers.Add("If-Match", version == default ? "*" : version.ToString());
        }

        if (hasBody)
        {
            var body = new ArrayBufferWriter<byte>(BatchBody.EstimateSize([action]));
            BatchBody.WriteOne(body, entity);
            request.Headers.Add("Content-Type", "application/json");
            request.Headers.Add("Prefer", "return-no-content");
            request.Content = RequestContent.Create(body.WrittenMemory);
        }

        message.ResponseClassifier = Written;
        await pipeline.SendAsync(message, cancellationToken);
        var response = message.Response;
        if (response.Status is not (201 or 204))
        {
            var failure = BatchReply.ErrorOf(response.Status, response.Content.ToMemory().Span, $"{response.Status} {response.ReasonPhrase}".TrimEnd());
            throw new RequestFailedException(failure.Status, failure.Message, failure.Code, null);
        }
    }

    /// <summary>A lone row through the SDK's own plain writes, as <see cref="WriteOneAsync"/> writes it.</summary>
    private static Task WriteOneThroughSdkAsync(TableClient table, TableTransactionAction action, CancellationToken cancellationToken) => action.ActionType switch
    {
        TableTransactionActionType.Add => table.AddEntityAsync(IJsonEntity.ForSdk(action.Entity), cancellationToken),
        TableTransactionActionType.UpsertReplace => table.UpsertEntityAsync(IJsonEntity.ForSdk(action.Entity), TableUpdateMode.Replace, cancellationToken),
        TableTransactionActionType.UpdateReplace => table.UpdateEntityAsync(IJsonEntity.ForSdk(action.Entity), action.ETag, TableUpdateMode.Replace, cancellationToken),
        TableTransactionActionType.Delete => table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, action.ETag, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action.ActionType, "Not a lone write."),
    };

    /// <summary>The account key of a connection string, or null when it has none.</summary>
    public static string? ConnectionStringKey(string connectionString)
    {
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var name = part[..equals];
            if (name.Equals("AccountKey", StringComparison.OrdinalIgnoreCase))
            {
                return part[(equals + 1)..];
            }

            if (name.Equals("UseDevelopmentStorage", StringComparison.OrdinalIgnoreCase) && part[(equals + 1)..].Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                // The emulators' well-known key, the one Azurite's default connection string carries.
                return ConnectionStringKey(StorageOptions.AzuriteDefault);
            }
        }

        return null;
    }

    /// <summary>A <c>$batch</c> is answered 202 whether its operations landed or not; anything else is the request's own failure.</summary>
    private static readonly ResponseClassifier AcceptedOnly = new StatusCodeClassifier([202]);

    /// <summary>A plain write is answered 204 (no content asked back), 201 if the service sends the row anyway.</summary>
    private static readonly ResponseClassifier Written = new StatusCodeClassifier([201, 204]);

    /// <summary>
    /// The Table service's Shared Key scheme: the verb, the content type, the date and the resource,
    /// signed with the account key (learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key).
    /// </summary>
    private sealed class SharedKeyPolicy(string account, byte[] key) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            var request = message.Request;
            var date = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);
            request.Headers.SetValue("x-ms-date", date);
            request.Headers.TryGetValue("Content-Type", out var contentType);
            // For an emulator's path-style address (http://127.0.0.1:10002/devstoreaccount1/…) the account
            // is named twice, once here and once in the path, as the service expects.
            var toSign = string.Concat(request.Method.Method, "\n\n", contentType, "\n", date, "\n/", account, request.Uri.Path);
            var signature = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
            request.Headers.SetValue("Authorization", "SharedKey " + account + ":" + signature);
        }
    }
}
