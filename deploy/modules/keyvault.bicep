// Key Vault in RBAC mode for the gateway's secrets. The apps read them through their managed
// identities as Key Vault references; no secret value is ever part of a container app's definition.
@description('Azure region of the vault.')
param location string

@description('Vault name (3 to 24 letters, digits and dashes).')
@minLength(3)
@maxLength(24)
param name string

@description('Principal ids of the services\' managed identities.')
param principalIds array

@description('Secrets to store now, by name; an empty value is skipped (set it later with az keyvault secret set).')
@secure()
param secrets object

param tags object = {}

// Key Vault Secrets User: read secret values; nothing else.
var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
  }
}

resource secretValues 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for item in items(secrets): if (!empty(item.value)) {
  parent: vault
  name: item.key
  properties: {
    value: item.value
  }
}]

resource readers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in principalIds: {
  name: guid(vault.id, principalId, secretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

output name string = vault.name
output uri string = vault.properties.vaultUri
