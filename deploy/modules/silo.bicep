// One Orleans silo as its own container app, pinned to exactly one replica. Container Apps gives the
// replicas of one app no stable identity of their own, so the cluster grows by adding apps
// (siloCount in main.bicep), never replicas (docs/deployment.md, "Why Container Apps, and how").
@description('Azure region of the app (the cluster\'s region).')
param location string

param name string
param environmentId string

@description('Image to run; azd sets it on deploy.')
param image string

@description('Resource id of the silo\'s user-assigned identity.')
param identityId string

@description('Client id of that identity, for DefaultAzureCredential (AZURE_CLIENT_ID).')
param identityClientId string

param registryServer string

@description('Settings given as plain environment variables (no secrets).')
param settings array

@description('Key Vault references: { name, keyVaultUrl, env } each; the app reads them with its identity.')
param vaultSecrets array

@description('azd-service-name tag value for the app azd deploys to, or empty.')
param azdServiceName string = ''

param tags object = {}

@description('CPU cores and memory per replica.')
param cpu string = '1.0'
param memory string = '2Gi'

var httpPort = 8080

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: name
  location: location
  tags: empty(azdServiceName) ? tags : union(tags, { 'azd-service-name': azdServiceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      // No ingress: silos are reached on their own replica address (silo port 11111, gateway port 30000),
      // which Orleans publishes in the membership table; the health probes go to the container directly.
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: [for s in vaultSecrets: {
        name: s.name
        keyVaultUrl: s.keyVaultUrl
        identity: identityId
      }]
    }
    template: {
      // Graceful shutdown: Orleans hands its grains over and the journal is flushed before the process exits.
      terminationGracePeriodSeconds: 60
      containers: [
        {
          name: 'silo'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat(settings, [
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
          ], map(vaultSecrets, s => { name: s.env, secretRef: s.name }))
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/healthz'
                port: httpPort
              }
              initialDelaySeconds: 10
              periodSeconds: 10
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/readyz'
                port: httpPort
              }
              periodSeconds: 5
              failureThreshold: 3
            }
            {
              // Joining the cluster and preparing storage may take a while on the first start.
              type: 'Startup'
              httpGet: {
                path: '/healthz'
                port: httpPort
              }
              periodSeconds: 5
              failureThreshold: 24
            }
          ]
        }
      ]
      scale: {
        minReplicas: 1
        maxReplicas: 1
      }
    }
  }
}

output name string = app.name
