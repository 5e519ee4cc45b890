// The registry azd pushes the images to; the apps pull with their managed identities (no admin user).
@description('Azure region of the registry.')
param location string

@description('Registry name (5 to 50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Principal ids of the services\' managed identities.')
param principalIds array

param tags object = {}

// AcrPull: pull images; nothing else.
var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
  }
}

resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in principalIds: {
  name: guid(registry.id, principalId, acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

output loginServer string = registry.properties.loginServer
