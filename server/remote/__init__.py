"""The MCP server over streamable HTTP for more than one person: who may call it (auth modes, the OAuth resource and
authorization server), health endpoints, and what replicas share."""
