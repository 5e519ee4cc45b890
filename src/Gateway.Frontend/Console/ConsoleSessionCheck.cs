using Gateway.Storage.Admin;

namespace Gateway.Frontend.Console;

/// <summary>A console cookie checked: the admin key it stands for and its ticket, or why it was refused.</summary>
public sealed record ConsoleSessionCheck(AdminKeyRecord? Admin, ConsoleSessionTicket? Ticket, string? Refusal);
