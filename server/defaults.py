"""Defaults that more than one layer falls back on, each written once (the configuration reads them, and so do the
classes that can be made without a configuration: the REST client, the flow catalogue, the embedded org)."""

from __future__ import annotations

__all__ = [
    "API_VERSION",
    "CALL_TIMEOUT",
    "CATALOGUE_WAIT",
    "CONNECT_TIMEOUT",
    "HOST_TOOL_CAP",
    "INVOKE_BATCH_SIZE",
    "LONG_CALL_BOUND",
    "MAX_FLOW_TOOLS",
    "MAX_IN_FLIGHT",
    "MAX_QUERY_RECORDS",
    "PROGRESS_INTERVAL",
    "REFRESH_INTERVAL",
    "REQUEST_TIMEOUT",
    "TOKEN_TIMEOUT",
]

# The oldest REST API version the server speaks: it uses the newest the org offers unless one is pinned
# (salesforce/api_versions.py); the embedded org answers unversioned routes with it.
API_VERSION = "59.0"
HOST_TOOL_CAP = 40  # Cursor's cap on tools per server, the smallest of the common hosts (VS Code: 128)
# Above this many flows: search_flows + invoke_flow instead of one tool each. With the ten operation tools and
# refresh_flows the whole list stays within HOST_TOOL_CAP; --max-flow-tools raises it.
MAX_FLOW_TOOLS = HOST_TOOL_CAP - 11
REFRESH_INTERVAL = 300.0  # seconds between flow catalogue refreshes; 0 = on demand only
CATALOGUE_WAIT = 10.0  # seconds tools/list waits for the first flow catalogue before answering without it
MAX_QUERY_RECORDS = 10_000  # records a paged SOQL query collects before it stops following nextRecordsUrl
CONNECT_TIMEOUT = 10.0  # seconds to open a connection to the org or its token endpoint
REQUEST_TIMEOUT = 60.0  # seconds a REST request may take (a flow run is one request)
TOKEN_TIMEOUT = 30.0  # seconds a token request may take
CALL_TIMEOUT = 45.0  # seconds one tool call may take, retries included (clients give up at about 60 s)
MAX_IN_FLIGHT = 10  # requests in flight to the org at once (Salesforce: 25 long-running per production org)
# Seconds a call may run before it answers "still running on the org" (and goes on in the background): below the
# clients' 60 s and below CALL_TIMEOUT, so a long flow gets that answer rather than the deadline's error.
LONG_CALL_BOUND = 40.0
# invoke_flow records per request when the caller asked for progress; 0: all records in one request. Off by default:
# Salesforce runs the inputs of one request in one transaction (all or none), and batches would commit separately.
INVOKE_BATCH_SIZE = 0
PROGRESS_INTERVAL = 5.0  # seconds between "still waiting for the org" progress notifications
