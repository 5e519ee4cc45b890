// The one Storage account: membership, grain state, intent journal, ledger, admin audit and content.
// Shared keys are refused, so no connection string can reach it: every service signs in with its
// managed identity and holds the least role that lets it work, Storage Table Data Contributor.
@description('Azure region of the account.')
param location string

@description('Globally unique account name (3 to 24 lower-case letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Principal ids of the services\' managed identities.')
param principalIds array

param tags object = {}

// Storage Table Data Contributor: read, write and delete tables and entities; nothing on blobs, queues or keys.
var tableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource tableData 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in principalIds: {
  name: guid(account.id, principalId, tableDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', tableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

output id string = account.id
output name string = account.name
output tableEndpoint string = account.properties.primaryEndpoints.table
