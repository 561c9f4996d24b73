"""Global merge fields of a flow interview: $Flow, $Record, $User, $Label, $Api, $GlobalConstant, $System, ...

The embedded org has no translations, one organization and a base URL for $Api values; a session id is never handed
to flow logic. Labels, permissions, organization fields and custom metadata come from the org's configuration
(org_config.py); $Setup and $UserRole read records of the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .... import defaults

if TYPE_CHECKING:
    from .interview_state import Interview

__all__ = ["ORG_ID", "read_global"]

ORG_ID = "00D5g0000000001EAA"


def read_global(iv: Interview, head: str, rest: list[str]) -> tuple[Any, list[str]]:
    name = rest[0] if rest else ""
    if head == "$Flow":
        return _flow_global(iv, name), rest[1:]
    if head == "$Record":
        return iv.record, rest
    if head == "$Record__Prior":
        return None, rest
    if head == "$User":
        return iv.user, rest
    if head == "$Label":
        label = ".".join(rest)
        return iv.runtime.labels.get(label, label), []  # an unknown label reads as its own name
    if head == "$Api":
        return _api_global(iv, name), rest[1:]
    if head == "$GlobalConstant":
        constants: dict[str, Any] = {"True": True, "False": False, "EmptyString": ""}
        if name not in constants:
            raise KeyError(head)
        return constants[name], rest[1:]
    if head == "$System":
        origin = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
        return (origin if name == "OriginDateTime" else None), rest[1:]
    if head == "$Organization":
        return {"Id": ORG_ID, "Name": "Embedded Org", **iv.runtime.organization}, rest
    if head == "$Profile":
        return {"Name": "System Administrator"}, rest
    if head == "$Permission":
        return name in iv.runtime.permissions, rest[1:]
    if head == "$Setup":
        return _custom_setting(iv, name), rest[1:]
    if head == "$UserRole":
        return _user_role(iv), rest
    if head == "$CustomMetadata":
        return _custom_metadata(iv, rest), rest[2:]
    if head in _NOT_IN_THESE_INTERVIEWS:
        return None, []
    raise KeyError(head)


# Help, "Flow Resource: Global Variables": $Client only in Lightning Scheduler flows, $Event in automation
# event-triggered flows, $Input/$Output in prompt flows; $Component is Visualforce's. None of these interviews runs in
# the embedded org, so they read as null.
_NOT_IN_THESE_INTERVIEWS = frozenset({"$Client", "$Component", "$Event", "$Input", "$Output"})


def _user_role(iv: Interview) -> dict[str, Any] | None:
    """The running user's role: the UserRole record their UserRoleId names (null for a user without a role)."""
    from .interview_state import as_record  # interview_state imports this module

    role_id = (iv.user or {}).get("UserRoleId")
    row = iv.runtime.records.get("UserRole", str(role_id)) if role_id else None
    return as_record("UserRole", row) if row is not None else None


def _custom_metadata(iv: Interview, rest: list[str]) -> dict[str, Any]:
    """$CustomMetadata.Type__mdt.Record.Field__c: the record (names are case-insensitive, as in Salesforce)."""
    from .interview_state import FlowHalt  # interview_state imports this module

    if len(rest) < 3:
        shape = "Type__mdt.Record.Field__c"
        raise FlowHalt(f"$CustomMetadata.{'.'.join(rest)} must name a type, a record and a field ({shape})")
    type_name, record_name = rest[0], rest[1]
    record = iv.runtime.custom_metadata.get(type_name.lower(), {}).get(record_name.lower())
    if record is None:
        raise FlowHalt(
            f"The custom metadata record {type_name}.{record_name} is not in the embedded org: add "
            f"customMetadata/{type_name.removesuffix('__mdt')}.{record_name}.md-meta.xml under the org's flows folder "
            "or give it with FlowEngine.configure_org(custom_metadata=...)"
        )
    return record


def _flow_global(iv: Interview, name: str) -> Any:
    now = iv.runtime.clock()
    values: dict[str, Callable[[], Any]] = {
        "CurrentDate": lambda: now.astimezone(dt.UTC).date(),
        "CurrentDateTime": lambda: now,
        "InterviewGuid": lambda: iv.guid,
        "InterviewStartTime": lambda: iv.start_time,
        "FaultMessage": lambda: iv.fault_message,
        "CurrentRecord": lambda: (iv.record or {}).get("Id"),
        "ActiveStages": lambda: list(iv.active_stages or []),
        "CurrentStage": lambda: iv.current_stage,
    }
    if name not in values:
        raise KeyError(f"$Flow.{name}")
    return values[name]()


def _api_global(iv: Interview, name: str) -> Any:
    base = iv.runtime.base_url.rstrip("/")
    org = ORG_ID
    for prefix, kind in (("Partner_Server_URL_", "u"), ("Enterprise_Server_URL_", "c")):
        if name.startswith(prefix):
            digits = name[len(prefix) :]
            version = f"{digits[:-1]}.{digits[-1]}" if digits.isdigit() and len(digits) > 1 else defaults.API_VERSION
            return f"{base}/services/Soap/{kind}/{version}/{org}"
    if name == "Session_ID":
        return "SESSION_ID_REMOVED"  # never hand a real token to flow logic
    raise KeyError(f"$Api.{name}")


def _custom_setting(iv: Interview, setting: str) -> dict[str, Any] | None:
    """A hierarchy custom setting as $Setup reads it: the running user's record, else their profile's, else the
    organization default (SetupOwnerId is the org, or unset)."""
    rows = iv.runtime.records.rows(setting) if setting else []
    user = iv.user or {}
    for owner in (user.get("Id"), user.get("ProfileId")):
        if owner:
            hit = next((row for row in rows if str(row.get("SetupOwnerId") or "")[:15] == str(owner)[:15]), None)
            if hit is not None:
                return hit
    return next((row for row in rows if str(row.get("SetupOwnerId") or ORG_ID).startswith("00D")), None)
