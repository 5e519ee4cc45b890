// A virtual network for one region's Container Apps environment. Orleans clients dial each silo's
// own address (from the membership table), so front-ends in every region must reach the silos'
// replica addresses directly: the environments sit in address spaces that do not overlap, peered
// with the cluster's network (main.bicep).
@description('Azure region of the network.')
param location string

param name string

@description('The network\'s address space, e.g. 10.1.0.0/16; the environment\'s subnet is its first /23.')
param addressPrefix string

param tags object = {}

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'apps'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 23, 0)
          delegations: [
            {
              name: 'apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
    ]
  }
}

output id string = vnet.id
output name string = vnet.name
output appsSubnetId string = vnet.properties.subnets[0].id
