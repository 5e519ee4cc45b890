namespace Gateway;

/// <summary>How often a key's spend starts again from zero, at UTC boundaries.</summary>
[GenerateSerializer, Alias("Gateway.BudgetPeriod")]
public enum BudgetPeriod
{
    None = 0,
    Daily = 1,
    /// <summary>Weeks start on Monday 00:00 UTC.</summary>
    Weekly = 2,
    Monthly = 3,
}
