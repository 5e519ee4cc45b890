namespace Gateway;

[GenerateSerializer, Alias("Gateway.UserStatus")]
public enum UserStatus
{
    Active = 0,
    Deactivated = 1,
}
