using System.Text.Json;
using Azure.Data.Tables;

namespace Gateway.Storage.Transactions;

/// <summary>
/// A row that writes its own Table JSON (<see cref="EntityJson"/>) into a transaction's body, instead
/// of being copied first into a <see cref="TableEntity"/>: a dictionary grown to a few dozen entries,
/// with a boxed value for each number, for every row written (profiled under load, the settled rows'
/// and the ledger copies' dictionaries were a tenth of what the gateway allocated). Wherever a row
/// goes through the SDK instead, it goes as <see cref="ToTableEntity"/>, which holds the same properties.
/// </summary>
internal interface IJsonEntity : ITableEntity
{
    /// <summary>How many properties it may write, for sizing the body.</summary>
    int PropertyCount { get; }

    /// <summary>Its properties besides the keys, in the order and form <see cref="ToTableEntity"/>'s would be written.</summary>
    void WriteProperties(Utf8JsonWriter json);

    /// <summary>The same row as the SDK takes it.</summary>
    TableEntity ToTableEntity();

    /// <summary>The action as the SDK takes it: a row that writes itself becomes a <see cref="TableEntity"/>.</summary>
    static TableTransactionAction ForSdk(TableTransactionAction action) =>
        action.Entity is IJsonEntity row ? new TableTransactionAction(action.ActionType, row.ToTableEntity(), action.ETag) : action;

    /// <summary>The entity as the SDK takes it.</summary>
    static ITableEntity ForSdk(ITableEntity entity) => entity is IJsonEntity row ? row.ToTableEntity() : entity;
}
