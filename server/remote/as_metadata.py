"""The authorization-server metadata (RFC 8414) at /.well-known/oauth-authorization-server, as the mcp SDK builds it
plus what this server adds to the SDK's handlers:

- `client_id_metadata_document_supported: true`: client ID metadata documents (client_documents.py). The
  draft-ietf-oauth-client-id-metadata-document section "Authorization Server Metadata" says an authorization server
  that publishes metadata MUST include it, and MCP 2025-11-25 "Client ID Metadata Documents" has clients look for it
  before they pick this registration over dynamic registration
  (https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#client-id-metadata-documents);
- `client_credentials` among the grant types when machine clients are configured (client_credentials.py).
"""

from __future__ import annotations

from mcp.server.auth.routes import build_metadata
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi_json import send_json

METADATA_PATH = "/.well-known/oauth-authorization-server"


def metadata_document(auth: AuthSettings, *, client_credentials: bool) -> bytes:
    metadata = build_metadata(
        auth.issuer_url,
        auth.service_documentation_url,
        auth.client_registration_options or ClientRegistrationOptions(),
        auth.revocation_options or RevocationOptions(),
    )
    metadata.client_id_metadata_document_supported = True
    if client_credentials:
        metadata.grant_types_supported = [*(metadata.grant_types_supported or []), "client_credentials"]
    return metadata.model_dump_json(exclude_none=True).encode()


class AuthorizationServerMetadata:
    """Answers GET on the metadata path (in place of the SDK's route, which cannot say either addition)."""

    def __init__(self, app: ASGIApp, auth: AuthSettings, client_credentials: bool) -> None:
        self.app = app
        self._document = metadata_document(auth, client_credentials=client_credentials)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == METADATA_PATH and scope["method"] == "GET":
            await send_json(send, 200, self._document, cors=True)
            return
        await self.app(scope, receive, send)
