using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Gateway.Cli.Api;

/// <summary>Source-generated JSON metadata with web defaults (camelCase, case-insensitive reads).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AdminAuditPage))]
[JsonSerializable(typeof(AdminKeyDetails))]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(AuditPage))]
[JsonSerializable(typeof(AuditExportPage))]
[JsonSerializable(typeof(AuditVerifyReport))]
[JsonSerializable(typeof(ClusterStatus))]
[JsonSerializable(typeof(UsageReport))]
[JsonSerializable(typeof(CreateAdminKeyRequest))]
[JsonSerializable(typeof(CreateKeyRequest))]
[JsonSerializable(typeof(KeyDetails))]
[JsonSerializable(typeof(KeyPage))]
[JsonSerializable(typeof(UserDetails))]
[JsonSerializable(typeof(TeamDetails))]
[JsonSerializable(typeof(PriceDetails))]
[JsonSerializable(typeof(PriceList))]
[JsonSerializable(typeof(UpstreamList))]
[JsonSerializable(typeof(RotateKeyRequest))]
[JsonSerializable(typeof(SetCaptureRequest))]

// Partial updates whose body must tell an absent field from an explicit null (see 'keys update').
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
