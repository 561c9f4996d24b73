"""The Salesforce REST client: HTTP, errors, limits, pagination, and the routing table behind the tools."""
