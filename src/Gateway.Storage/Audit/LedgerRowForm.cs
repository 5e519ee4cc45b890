namespace Gateway.Storage.Audit;

/// <summary>How settled rows are written, in the journal and in the ledger; both forms are always read.</summary>
public enum LedgerRowForm
{
    /// <summary>
    /// The columns queries filter on, and the rest as one JSON property: 12 properties instead of
    /// about 33, about a quarter less storage per row (by Table Storage's size formula) and less for
    /// the service to parse and index. A gateway from before this form cannot read such rows
    /// (docs/audit.md, "How a ledger row is stored").
    /// </summary>
    Compact,

    /// <summary>One column per field, as every row was written before the compact form: for a rolling upgrade from such a version, until no silo or front-end of it runs.</summary>
    Columns,
}
