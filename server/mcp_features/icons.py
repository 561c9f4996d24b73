"""Icons and server metadata: a server icon, and per-tool icons that tell flow tools from admin operations.

The icons are tiny SVGs in data URIs, so no client fetches anything from the network. Hosts show them in their UI;
they do not reach the model (hosts pass name, description and schemas), but they are bytes of tools/list: about 140
per tool.
"""

from __future__ import annotations

from urllib.parse import quote

import mcp_types as types


def _svg_icon(view: int, body: str, *, typed: bool = False) -> types.Icon:
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {view} {view}'>{body}</svg>"
    # The data URI names its type; per-tool icons leave mimeType out to save bytes of tools/list. Spaces are
    # escaped: a URI has none (RFC 3986), and the MCP conformance suite checks icon src against format "uri".
    return types.Icon(
        src="data:image/svg+xml," + quote(svg, safe="/:='."), mime_type="image/svg+xml" if typed else None
    )


# A flow: two steps joined by a connector, in Salesforce blue.
FLOW_ICON = _svg_icon(6, "<path fill='#0176d3' d='M0 0h3v2H0zm3 4h3v2H3zM1 2h1v3h1v1H1z'/>")
# An admin operation: a framed square (a record to inspect or change), in grey.
ADMIN_ICON = _svg_icon(6, "<path fill='#5a6872' d='M0 0h6v6H0zm1 1v4h4V1z'/>")
SERVER_ICONS = [
    _svg_icon(16, "<rect width='16' height='16' rx='3' fill='#0176d3'/><path fill='#fff' "
              "d='M3 3h5v3H3zm5 7h5v3H8zM5 6h1.5v4.5H8V12H5z'/>", typed=True)
]  # fmt: skip

# Tools that run or describe a flow to run it; the others are admin operations (read or change flows, interviews).
FLOW_OPERATIONS = frozenset(
    {"invoke_flow", "create_flow_interview", "list_invocable_flows", "get_invocable_flow_metadata", "search_flows"}
)


def icon_for(tool_name: str) -> types.Icon:
    return FLOW_ICON if tool_name.startswith("flow_") or tool_name in FLOW_OPERATIONS else ADMIN_ICON


def with_icons(tools: list[types.Tool]) -> list[types.Tool]:
    return [t if t.icons else t.model_copy(update={"icons": [icon_for(t.name)]}) for t in tools]
