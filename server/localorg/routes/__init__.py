"""The org's HTTP routes, one module per Salesforce resource family (data API, Tooling API, actions, composite)."""
