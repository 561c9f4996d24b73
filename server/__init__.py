"""salesforce-flow-mcp: an MCP server for Salesforce Flows, with an embedded local org."""

__version__ = "0.1.0"
