// The provider-level backstop behind the gateway's own accounting: a Cost Management budget on the
// resource group, alerting by email and webhook where the bill is, should a runaway get past the
// gateway. It covers the Azure bill (Azure OpenAI included); OpenAI's and Anthropic's own consoles
// hold their limits (docs/deployment.md).
param name string

@description('Monthly amount, in the billing currency.')
@minValue(1)
param amount int

@description('First day of the budget\'s first month (yyyy-MM-01).')
param startDate string

@description('Percentages of the amount at which to alert, on actual spend; 100 is also alerted on forecast.')
param thresholds array = [50, 80, 100]

@description('Who is emailed at each threshold.')
@minLength(1)
param contactEmails array

@description('A webhook the action group calls at each threshold; empty for none.')
param webhookUrl string = ''

param tags object = {}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${name}-ag'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'gwbudget'
    enabled: true
    emailReceivers: [for (email, i) in contactEmails: {
      name: 'email-${i}'
      emailAddress: email
      useCommonAlertSchema: true
    }]
    webhookReceivers: empty(webhookUrl) ? [] : [
      {
        name: 'webhook'
        serviceUri: webhookUrl
        useCommonAlertSchema: true
      }
    ]
  }
}

var actual = toObject(thresholds, t => 'actual${t}', t => {
  enabled: true
  operator: 'GreaterThanOrEqualTo'
  threshold: t
  thresholdType: 'Actual'
  contactEmails: contactEmails
  contactGroups: [
    actionGroup.id
  ]
})

resource budget 'Microsoft.Consumption/budgets@2023-11-01' = {
  name: name
  properties: {
    category: 'Cost'
    amount: amount
    timeGrain: 'Monthly'
    timePeriod: {
      startDate: startDate
    }
    notifications: union(actual, {
      forecast100: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 100
        thresholdType: 'Forecasted'
        contactEmails: contactEmails
        contactGroups: [
          actionGroup.id
        ]
      }
    })
  }
}

output id string = budget.id
output actionGroupId string = actionGroup.id
