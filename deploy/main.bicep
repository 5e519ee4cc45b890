// The gateway's Azure deployment (azd up; docs/deployment.md): a cluster of Orleans silos and the
// front-ends of the primary region in one Container Apps environment, more front-ends in further
// regions, one Storage account reached by managed identity only, Key Vault for the secrets,
// Log Analytics and Application Insights, and a Cost Management budget as the backstop.
targetScope = 'resourceGroup'

@description('azd environment name; names and tags every resource.')
@minLength(1)
@maxLength(20)
param environmentName string

@description('Primary region: the silos, the Storage account, Key Vault and the first front-ends.')
param location string = resourceGroup().location

@description('Further regions, each given its own Container Apps environment and front-end app (Orleans clients of the primary region\'s silos).')
param regions array = []

@description('Silos in the cluster: one container app each, one replica per app.')
@minValue(1)
@maxValue(20)
param siloCount int = 3

@description('Front-end replicas always running per region (two or more).')
@minValue(2)
param frontendMinReplicas int = 2

@description('Front-end replicas at most per region.')
@maxValue(300)
param frontendMaxReplicas int = 10

@description('Concurrent requests per front-end replica before another is added.')
param frontendConcurrentRequests int = 100

@description('Silo image; azd sets it (SERVICE_SILO_IMAGE_NAME). Empty: a placeholder until the first deploy.')
param siloImage string = ''

@description('Front-end image; azd sets it (SERVICE_FRONTEND_IMAGE_NAME). Empty: a placeholder until the first deploy.')
param frontendImage string = ''

@description('Monthly budget for the resource group, in the billing currency.')
@minValue(1)
param budgetAmount int = 1000

@description('Who the budget alerts email.')
@minLength(1)
param budgetContactEmails array

@description('A webhook the budget\'s action group calls at each threshold (e.g. the on-call tool); empty for none.')
param budgetWebhookUrl string = ''

@description('First day of the budget\'s first month.')
param budgetStartDate string = utcNow('yyyy-MM-01')

@secure()
@description('The audit chains\' HMAC secret (32 characters or more). Keep it: a new one cannot verify old rows.')
param auditChainSecret string

@secure()
@description('The bootstrap admin key (gwadmin_...). Empty: set the admin-key secret in Key Vault before the front-ends start.')
param adminKey string = ''

@secure()
@description('OpenAI API key; empty when OpenAI is not used (or set later in Key Vault and provision again with it).')
param openAiApiKey string = ''

@secure()
@description('Anthropic API key; empty when Anthropic is not used.')
param anthropicApiKey string = ''

@secure()
@description('Budget alerts\' webhook URL for the gateway\'s own alerts (Gateway:Alerts:WebhookUrl); empty for none.')
param alertWebhookUrl string = ''

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var prefix = 'gw-${environmentName}'
var placeholderImage = 'mcr.microsoft.com/dotnet/samples:aspnetapp'

// The vault's secrets, and where each is handed to the apps. A secret with no value given is not
// referenced at all: a reference to a missing secret would stop the revision from starting.
var secretValues = {
  'audit-chain-secret': auditChainSecret
  'admin-key': adminKey
  'openai-api-key': openAiApiKey
  'anthropic-api-key': anthropicApiKey
  'alert-webhook-url': alertWebhookUrl
}
var siloSecretNames = ['audit-chain-secret', 'alert-webhook-url']
var frontendSecretNames = ['audit-chain-secret', 'admin-key', 'openai-api-key', 'anthropic-api-key']
var secretEnv = {
  'audit-chain-secret': 'Gateway__Audit__ChainSecret'
  'admin-key': 'Gateway__AdminKey'
  'openai-api-key': 'Gateway__Upstreams__OpenAI__ApiKey'
  'anthropic-api-key': 'Gateway__Upstreams__Anthropic__ApiKey'
  'alert-webhook-url': 'Gateway__Alerts__WebhookUrl'
}

module identities 'modules/identities.bicep' = {
  name: 'identities'
  params: {
    location: location
    prefix: prefix
    tags: tags
  }
}

var principalIds = [
  identities.outputs.siloPrincipalId
  identities.outputs.frontendPrincipalId
]

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    name: 'gw${token}'
    principalIds: principalIds
    tags: tags
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    name: 'gw-${token}'
    principalIds: principalIds
    secrets: secretValues
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    prefix: prefix
    tags: tags
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    location: location
    name: 'gw${token}'
    principalIds: principalIds
    tags: tags
  }
}

// Region 0 is the primary; its network is 10.0.0.0/16, region i's 10.i.0.0/16, peered with it.
var allRegions = concat([location], regions)

module networks 'modules/network.bicep' = [for (region, i) in allRegions: {
  name: 'network-${i}'
  params: {
    location: region
    name: '${prefix}-vnet-${i}'
    addressPrefix: '10.${i}.0.0/16'
    tags: tags
  }
}]

module toCluster 'modules/peering.bicep' = [for (region, i) in regions: {
  name: 'peering-to-cluster-${i + 1}'
  params: {
    localNetworkName: networks[i + 1].outputs.name
    remoteNetworkId: networks[0].outputs.id
    name: 'to-cluster'
  }
}]

module fromCluster 'modules/peering.bicep' = [for (region, i) in regions: {
  name: 'peering-from-cluster-${i + 1}'
  params: {
    localNetworkName: networks[0].outputs.name
    remoteNetworkId: networks[i + 1].outputs.id
    name: 'to-region-${i + 1}'
  }
}]

module environments 'modules/environment.bicep' = [for (region, i) in allRegions: {
  name: 'environment-${i}'
  params: {
    location: region
    name: '${prefix}-env-${i}'
    subnetId: networks[i].outputs.appsSubnetId
    workspaceName: monitoring.outputs.workspaceName
    tags: tags
  }
}]

var common = [
  { name: 'Gateway__Storage__TableEndpoint', value: storage.outputs.tableEndpoint }
  { name: 'Gateway__Cluster__ClusterId', value: environmentName }
  { name: 'Gateway__Cluster__ServiceId', value: 'gateway' }
  { name: 'Gateway__Audit__RequireConfiguredSecret', value: 'true' }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: monitoring.outputs.connectionString }
]

func references(names array, values object, vaultUri string, envNames object) array =>
  map(filter(names, n => !empty(values[n])), n => {
    name: n
    keyVaultUrl: '${vaultUri}secrets/${n}'
    env: envNames[n]
  })

module silos 'modules/silo.bicep' = [for i in range(0, siloCount): {
  name: 'silo-${i}'
  params: {
    location: location
    name: '${prefix}-silo-${i}'
    environmentId: environments[0].outputs.id
    image: empty(siloImage) ? placeholderImage : siloImage
    identityId: identities.outputs.siloId
    identityClientId: identities.outputs.siloClientId
    registryServer: registry.outputs.loginServer
    settings: concat(common, [
      { name: 'Gateway__Role', value: 'silo' }
      { name: 'Gateway__Cluster__AdvertisedAddress', value: 'auto' }
    ])
    vaultSecrets: references(siloSecretNames, secretValues, vault.outputs.uri, secretEnv)
    // azd deploys to the first silo; its postdeploy hook rolls the same image to the others.
    azdServiceName: i == 0 ? 'silo' : ''
    tags: union(tags, { 'gateway-role': 'silo' })
  }
}]

module frontends 'modules/frontend.bicep' = [for (region, i) in allRegions: {
  name: 'frontend-${i}'
  // The peerings carry the front-ends' Orleans connections to the silos.
  dependsOn: [
    toCluster
    fromCluster
  ]
  params: {
    location: region
    name: '${prefix}-fe-${i}'
    environmentId: environments[i].outputs.id
    image: empty(frontendImage) ? placeholderImage : frontendImage
    identityId: identities.outputs.frontendId
    identityClientId: identities.outputs.frontendClientId
    registryServer: registry.outputs.loginServer
    settings: concat(common, [
      { name: 'Gateway__Role', value: 'frontend' }
      { name: 'Gateway__Frontend__Region', value: region }
    ])
    vaultSecrets: references(frontendSecretNames, secretValues, vault.outputs.uri, secretEnv)
    minReplicas: frontendMinReplicas
    maxReplicas: frontendMaxReplicas
    concurrentRequests: frontendConcurrentRequests
    azdServiceName: i == 0 ? 'frontend' : ''
    tags: union(tags, { 'gateway-role': 'frontend' })
  }
}]

module budget 'modules/budget.bicep' = {
  name: 'budget'
  params: {
    name: '${prefix}-budget'
    amount: budgetAmount
    startDate: budgetStartDate
    contactEmails: budgetContactEmails
    webhookUrl: budgetWebhookUrl
    tags: tags
  }
}

output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output GATEWAY_FRONTEND_URLS array = [for (region, i) in allRegions: frontends[i].outputs.url]
output GATEWAY_SILO_APPS array = [for i in range(0, siloCount): silos[i].outputs.name]
