namespace Gateway.Frontend.Admin;

/// <summary>What an admin route needs: the role, the action name its audit rows carry, and whether it changes anything.</summary>
public sealed record AdminRequirement(string Role, string Action, bool Mutates);
