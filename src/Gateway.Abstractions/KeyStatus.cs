namespace Gateway;

[GenerateSerializer, Alias("Gateway.KeyStatus")]
public enum KeyStatus
{
    Active = 0,
    Revoked = 1,
}
