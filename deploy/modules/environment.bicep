// A Container Apps environment (workload profiles, consumption) in one region, on its own subnet,
// sending the apps' console logs to the deployment's Log Analytics workspace.
@description('Azure region of the environment.')
param location string

param name string

@description('The delegated subnet the environment runs in (network.bicep).')
param subnetId string

@description('Name of the Log Analytics workspace (monitoring.bicep), in this resource group.')
param workspaceName string

param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: false
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    zoneRedundant: false
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspace.properties.customerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
  }
}

output id string = environment.id
output defaultDomain string = environment.properties.defaultDomain
