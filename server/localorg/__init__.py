"""The embedded Salesforce org: a local implementation of the Flow REST API over real Flow metadata.

Nothing here imports the MCP side; the MCP server reaches the org only through HTTP.
"""
