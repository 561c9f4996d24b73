"""The org's flow registry: FlowDefinitions (Id prefix 300) with numbered versions (Flow, Id prefix 301).

Kept in memory for fast listing and describes (precomputed per version and API version) and written through to
SQLite so that a database file survives a restart. At most one version of a definition is Active.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..datetimes import timestamp
from ..flows.invocable import action_summary, describe_flow, is_invocable
from ..flows.model import Flow
from ..flows.parse.loader import FlowLoadError, parse_flow

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS flow_definition (
    id TEXT PRIMARY KEY,
    developer_name TEXT NOT NULL UNIQUE,
    description TEXT,
    created_date TEXT NOT NULL,
    last_modified_date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS flow_version (
    id TEXT PRIMARY KEY,
    definition_id TEXT NOT NULL REFERENCES flow_definition(id),
    version_number INTEGER NOT NULL,
    status TEXT NOT NULL,
    description TEXT,
    source BLOB,
    pickled BLOB,
    created_date TEXT NOT NULL,
    last_modified_date TEXT NOT NULL,
    UNIQUE (definition_id, version_number)
);
"""

ACTIVE = "Active"
OBSOLETE = "Obsolete"
DRAFT = "Draft"


@dataclass(eq=False)
class FlowVersion:
    """One Flow version. `flow` carries the current label/description (a PATCHed description replaces it)."""

    id: str
    definition: FlowDefinitionRecord
    version_number: int
    flow: Flow
    status: str
    source: bytes | None
    created_date: str
    last_modified_date: str
    # (describe_flow or action_summary, API version) -> what it computed for this version's flow
    _computed: dict[tuple[Callable[[Flow, str], dict[str, Any]], str], dict[str, Any]] = field(
        default_factory=dict, repr=False
    )

    @property
    def api_name(self) -> str:
        return self.definition.developer_name

    @property
    def invocable(self) -> bool:
        return is_invocable(self.flow)

    def describe(self, api_version: str) -> dict[str, Any]:
        """The invocable-action describe for this version, computed once per API version."""
        return self._once(describe_flow, api_version)

    def summary(self, api_version: str) -> dict[str, Any]:
        return self._once(action_summary, api_version)

    def _once(self, compute: Callable[[Flow, str], dict[str, Any]], api_version: str) -> dict[str, Any]:
        cached = self._computed.get((compute, api_version))
        if cached is None:
            cached = self._computed[(compute, api_version)] = compute(self.flow, api_version)
        return cached

    def replace_flow(self, flow: Flow) -> None:
        self.flow = flow
        self._computed = {}


@dataclass(eq=False)
class FlowDefinitionRecord:
    id: str
    developer_name: str  # the full ApiName, namespace included (ns__Name)
    description: str | None  # None: the latest version's description
    created_date: str
    last_modified_date: str
    versions: list[FlowVersion] = field(default_factory=list)

    @property
    def latest(self) -> FlowVersion:
        return self.versions[-1]

    @property
    def active(self) -> FlowVersion | None:
        for version in self.versions:
            if version.status == ACTIVE:
                return version
        return None

    @property
    def runnable(self) -> FlowVersion:
        """What an invocation runs for a flow user: the active version, or the latest when none is active."""
        return self.active or self.latest

    def runnable_for(self, *, flow_admin: bool) -> FlowVersion:
        """Salesforce gives a flow admin the latest version always, and anyone else the runnable one."""
        return self.latest if flow_admin else self.runnable

    @property
    def namespace_prefix(self) -> str | None:
        prefix, sep, _ = self.developer_name.partition("__")
        return prefix if sep else None

    @property
    def short_name(self) -> str:
        """DeveloperName without the namespace."""
        _, sep, rest = self.developer_name.partition("__")
        return rest if sep else self.developer_name

    @property
    def current_description(self) -> str | None:
        return self.description if self.description is not None else self.latest.flow.description

    def version_by_number(self, number: int) -> FlowVersion | None:
        for version in self.versions:
            if version.version_number == number:
                return version
        return None


class FlowRegistry:
    """Definitions and versions by Id and by ApiName. Mutations happen under the org lock; lookups are lock-free."""

    def __init__(self, conn: sqlite3.Connection, mint: Callable[[str], str]) -> None:
        self._conn = conn
        self._mint = mint
        self._definitions: dict[str, FlowDefinitionRecord] = {}
        self._by_name: dict[str, FlowDefinitionRecord] = {}
        self._by_lower_name: dict[str, FlowDefinitionRecord] = {}
        self._versions: dict[str, FlowVersion] = {}
        conn.executescript(SCHEMA)

    # -- lookups -------------------------------------------------------------------------------------------------
    def definitions(self) -> tuple[FlowDefinitionRecord, ...]:
        return tuple(self._definitions.values())

    def versions(self) -> tuple[FlowVersion, ...]:
        return tuple(self._versions.values())

    def definition(self, definition_id: str) -> FlowDefinitionRecord | None:
        return self._definitions.get(definition_id)

    def version(self, version_id: str) -> FlowVersion | None:
        return self._versions.get(version_id)

    def by_name(self, api_name: str) -> FlowDefinitionRecord | None:
        """ApiName lookup; exact first, then case-insensitive as Salesforce resolves API names."""
        return self._by_name.get(api_name) or self._by_lower_name.get(api_name.lower())

    def resolve_flow(self, api_name: str) -> Flow | None:
        """What the engine calls for subflows: the runnable version of a flow."""
        definition = self.by_name(api_name)
        return definition.runnable.flow if definition is not None else None

    # -- loading -------------------------------------------------------------------------------------------------
    def load_from_db(self) -> None:
        """Rebuild the registry from the database (a restart with a db file)."""
        for def_id, name, description, created, modified in self._conn.execute(
            "SELECT id, developer_name, description, created_date, last_modified_date "
            "FROM flow_definition ORDER BY rowid"
        ):
            self._index(FlowDefinitionRecord(def_id, name, description, created, modified))
        rows = self._conn.execute(
            "SELECT id, definition_id, version_number, status, description, source, pickled, created_date, "
            "last_modified_date FROM flow_version ORDER BY definition_id, version_number"
        ).fetchall()
        for vid, def_id, number, status, description, source, pickled, created, modified in rows:
            definition = self._definitions.get(def_id)
            flow = self._restore(definition.developer_name if definition else "", source, pickled)
            if definition is None or flow is None:
                log.warning("Skipping stored flow version %s: it could not be restored", vid)
                continue
            if description != flow.description:
                flow = dataclasses.replace(flow, description=description)
            version = FlowVersion(vid, definition, number, flow, status, source, created, modified)
            definition.versions.append(version)
            self._versions[vid] = version
        for def_id, definition in list(self._definitions.items()):
            if not definition.versions:
                del self._definitions[def_id]
                self._by_name.pop(definition.developer_name, None)
                self._by_lower_name.pop(definition.developer_name.lower(), None)

    @staticmethod
    def _restore(api_name: str, source: bytes | None, pickled: bytes | None) -> Flow | None:
        try:
            if source is not None:
                return parse_flow(source, api_name)
            if pickled is not None:
                # Our own database, written by add_flow below for flows that came without their XML.
                restored = pickle.loads(pickled)
                return restored if isinstance(restored, Flow) else None
        except (FlowLoadError, pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError) as exc:
            log.warning("Stored flow %s could not be restored: %s", api_name, exc)
        return None

    def has_source(self, api_name: str, source: bytes) -> bool:
        """True when some version of this flow was loaded from exactly these bytes (re-loading a folder)."""
        definition = self._by_name.get(api_name)
        return definition is not None and any(v.source == source for v in definition.versions)

    # -- mutations (caller holds the org lock and commits) -------------------------------------------------------
    def add(self, flow: Flow, *, activate: bool | None = None, source: bytes | None = None) -> FlowVersion:
        """A new definition with version 1, or the next version of an existing one."""
        now = timestamp()
        definition = self._by_name.get(flow.api_name)
        if definition is None:
            definition = FlowDefinitionRecord(self._mint("300"), flow.api_name, None, now, now)
            self._conn.execute(
                "INSERT INTO flow_definition VALUES (?, ?, ?, ?, ?)",
                (definition.id, definition.developer_name, None, now, now),
            )
            self._index(definition)
        number = definition.latest.version_number + 1 if definition.versions else 1
        wants_active = flow.status == ACTIVE if activate is None else activate
        status = DRAFT if flow.status == ACTIVE else flow.status
        pickled = None
        if source is None:
            try:
                pickled = pickle.dumps(flow)
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                log.warning("Flow %s will not survive a restart: %s", flow.api_name, exc)
        version = FlowVersion(self._mint("301"), definition, number, flow, status, source, now, now)
        self._conn.execute(
            "INSERT INTO flow_version VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                version.id,
                definition.id,
                number,
                status,
                flow.description,
                source,
                pickled,
                now,
                now,
            ),
        )
        definition.versions.append(version)
        self._versions[version.id] = version
        if wants_active:
            self.activate(version)
        return version

    def activate(self, version: FlowVersion) -> None:
        """Make this version the active one; a previously active version becomes Obsolete."""
        for other in version.definition.versions:
            if other is not version and other.status == ACTIVE:
                self._set_status(other, OBSOLETE)
        self._set_status(version, ACTIVE)

    def deactivate(self, definition: FlowDefinitionRecord) -> None:
        active = definition.active
        if active is not None:
            self._set_status(active, OBSOLETE)

    def set_status(self, version: FlowVersion, status: str) -> None:
        """PATCH Status on a version: Active activates it; anything else takes it out of activity."""
        if status == ACTIVE:
            self.activate(version)
        else:
            self._set_status(version, status)

    def set_version_description(self, version: FlowVersion, description: str | None) -> None:
        version.replace_flow(dataclasses.replace(version.flow, description=description))
        version.last_modified_date = timestamp()
        self._conn.execute(
            "UPDATE flow_version SET description = ?, last_modified_date = ? WHERE id = ?",
            (description, version.last_modified_date, version.id),
        )

    def set_definition_description(self, definition: FlowDefinitionRecord, description: str | None) -> None:
        definition.description = description
        definition.last_modified_date = timestamp()
        self._conn.execute(
            "UPDATE flow_definition SET description = ?, last_modified_date = ? WHERE id = ?",
            (description, definition.last_modified_date, definition.id),
        )

    def _set_status(self, version: FlowVersion, status: str) -> None:
        if version.status == status:
            return
        version.status = status
        version.last_modified_date = timestamp()
        version.definition.last_modified_date = version.last_modified_date
        self._conn.execute(
            "UPDATE flow_version SET status = ?, last_modified_date = ? WHERE id = ?",
            (status, version.last_modified_date, version.id),
        )

    def _index(self, definition: FlowDefinitionRecord) -> None:
        self._definitions[definition.id] = definition
        self._by_name[definition.developer_name] = definition
        self._by_lower_name.setdefault(definition.developer_name.lower(), definition)
