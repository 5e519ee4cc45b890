// One direction of a peering between two regions' networks (main.bicep adds both directions).
param localNetworkName string
param remoteNetworkId string
param name string

resource local 'Microsoft.Network/virtualNetworks@2024-01-01' existing = {
  name: localNetworkName
}

resource peering 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-01-01' = {
  parent: local
  name: name
  properties: {
    remoteVirtualNetwork: {
      id: remoteNetworkId
    }
    allowVirtualNetworkAccess: true
    allowForwardedTraffic: false
    useRemoteGateways: false
  }
}
