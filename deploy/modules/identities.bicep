// One user-assigned identity per service, so each can be granted only what its service needs.
@description('Azure region of the identities.')
param location string

@description('Name prefix shared by the deployment\'s resources.')
param prefix string

param tags object = {}

resource silo 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-silo-id'
  location: location
  tags: tags
}

resource frontend 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-frontend-id'
  location: location
  tags: tags
}

output siloId string = silo.id
output siloPrincipalId string = silo.properties.principalId
output siloClientId string = silo.properties.clientId
output frontendId string = frontend.id
output frontendPrincipalId string = frontend.properties.principalId
output frontendClientId string = frontend.properties.clientId
