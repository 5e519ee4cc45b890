using System.Globalization;
using Azure.Data.Tables;

namespace Gateway.Tests.Infrastructure;

/// <summary>A stored entity's properties, each as its type and value, for comparing two rows property for property and type for type.</summary>
public static class StoredProperties
{
    /// <summary>Every property but the partition key, the service's timestamp and the version, which differ between two rows written apart.</summary>
    public static SortedDictionary<string, string> Of(TableEntity entity)
    {
        var properties = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in entity)
        {
            if (name is not ("PartitionKey" or "Timestamp" or "odata.etag"))
            {
                properties[name] = $"{value?.GetType().Name}:{Convert.ToString(value, CultureInfo.InvariantCulture)}";
            }
        }

        return properties;
    }
}
