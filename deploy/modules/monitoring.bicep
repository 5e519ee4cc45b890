// Log Analytics for the container apps' logs, and workspace-based Application Insights for the
// gateway's OpenTelemetry export (APPLICATIONINSIGHTS_CONNECTION_STRING; docs/telemetry.md).
@description('Azure region of the workspace.')
param location string

param prefix string

param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${prefix}-logs'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-appi'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

output workspaceName string = workspace.name
output connectionString string = insights.properties.ConnectionString
