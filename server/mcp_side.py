"""What the composition root takes from the MCP side (the mcp SDK and what is built on it), in one module.

`runtime` imports it where it first needs it, after the org's first flow requests have gone out, so that the org
works on them while this half second of imports runs.
"""

from __future__ import annotations

from .app import FlowServer, ProtocolOptions, build_server, serve_stdio
from .mcp_features.confirmation import ConfirmPolicy
from .notify import ToolListNotifier
from .tools.catalogue import Catalogue, CatalogueHooks
from .tools.flow_catalogue import FlowCatalogue, FlowToolOptions

__all__ = [
    "Catalogue",
    "CatalogueHooks",
    "ConfirmPolicy",
    "FlowCatalogue",
    "FlowServer",
    "FlowToolOptions",
    "ProtocolOptions",
    "ToolListNotifier",
    "build_server",
    "serve_stdio",
]
