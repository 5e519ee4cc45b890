// The front-ends of one region: one container app with external ingress, scaled on concurrent
// requests, each replica an Orleans client of the cluster.
@description('Azure region of the app.')
param location string

param name string
param environmentId string

@description('Image to run; azd sets it on deploy.')
param image string

param identityId string
param identityClientId string
param registryServer string

@description('Settings given as plain environment variables (no secrets).')
param settings array

@description('Key Vault references: { name, keyVaultUrl, env } each.')
param vaultSecrets array

param azdServiceName string = ''
param tags object = {}

@minValue(2)
@description('Replicas always running: two or more, so one can restart without an outage.')
param minReplicas int = 2

@maxValue(300)
param maxReplicas int = 10

@description('Concurrent requests per replica before another is added.')
param concurrentRequests int = 100

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
      ingress: {
        external: true
        targetPort: httpPort
        transport: 'auto'
        allowInsecure: false
      }
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
      // In-flight requests are drained and settled before the process exits (graceful shutdown).
      terminationGracePeriodSeconds: 60
      containers: [
        {
          name: 'frontend'
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
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'concurrent-requests'
            http: {
              metadata: {
                concurrentRequests: string(concurrentRequests)
              }
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
output url string = 'https://${app.properties.configuration.ingress.fqdn}'
