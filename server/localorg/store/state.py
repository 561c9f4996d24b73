"""The embedded org's state: one SQLite connection (":memory:" or a file) holding the flow registry, paused
interviews, sObject records and tokens, plus the flow engine that runs interviews.

All database work happens under `lock`; request handlers reach it through `await state.call(fn, ...)`, which runs
`fn` in a worker thread so that a long flow never blocks the event loop. Flow lookups (lists, describes) are
lock-free reads of the in-memory registry.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import anyio.to_thread

from ... import defaults
from ...sfid import IdMinter
from ..datetimes import timestamp
from ..flows.engine.actions import ActionRegistry
from ..flows.engine.batch import run_batch
from ..flows.engine.flow_engine import FlowEngine, InterviewOutcome
from ..flows.engine.governor import DEFAULT_LOOP_GUARD, GovernorLimits
from ..flows.model import Flow
from ..flows.parse.loader import MAX_FLOW_BYTES, FlowLoadError, demo_flows_dir, parse_flow
from .flow_registry import FlowRegistry, FlowVersion
from .records import RecordStore
from .sessions import SessionInfo, SessionRegistry

log = logging.getLogger(__name__)

# The token the in-process demo org accepts (`serve --demo`); `org serve` mints a random one unless given --token.
DEMO_ACCESS_TOKEN = "00D5g000004SFMC!demo.embedded.org.token"
FLOW_SUFFIX = ".flow-meta.xml"
API_LIMIT = 15000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS org_counter (prefix TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS flow_interview (
    id TEXT PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    flow_version_id TEXT NOT NULL,
    definition_id TEXT NOT NULL,
    api_name TEXT NOT NULL,
    status TEXT NOT NULL,
    current_element TEXT,
    pause_label TEXT,
    was_paused_from_screen INTEGER NOT NULL,
    outputs TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    created_date TEXT NOT NULL,
    last_modified_date TEXT NOT NULL
);
"""
_INTERVIEW_COLUMNS = (
    "id, guid, name, label, flow_version_id, definition_id, api_name, status, current_element, pause_label, "
    "was_paused_from_screen, outputs, owner_id, created_date, last_modified_date"
)

P = ParamSpec("P")
T = TypeVar("T")


class OrgStateError(Exception):
    """The org's database cannot be opened or is not an org database."""


@dataclass(frozen=True)
class PausedInterview:
    """A stored FlowInterview (a paused interview)."""

    id: str
    guid: str
    name: str
    label: str
    flow_version_id: str
    definition_id: str
    api_name: str
    status: str
    current_element: str | None
    pause_label: str | None
    was_paused_from_screen: bool
    outputs: dict[str, Any]
    owner_id: str
    created_date: str
    last_modified_date: str


@dataclass
class FailPlan:
    status: int
    body: str
    content_type: str
    remaining: int
    path_prefix: str


@dataclass
class OrgInstrumentation:
    """Per-process knobs and counters: API usage, test-hook latency and injected failures."""

    api_usage: int = 0
    latency_ms: float = 0.0
    failures: list[FailPlan] = field(default_factory=list)

    def take_failure(self, path: str) -> FailPlan | None:
        for plan in self.failures:
            if path.startswith(plan.path_prefix):
                plan.remaining -= 1
                if plan.remaining <= 0:
                    self.failures.remove(plan)
                return plan
        return None


@dataclass(frozen=True)
class InvocationResult:
    outcome: InterviewOutcome
    interview_id: str  # a FlowInterview Id (0Fo); a row with it exists only while the interview is paused
    stored: bool


class OrgState:
    """Everything the org knows. Build it with OrgState.create()."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        api_version: str,
        base_url: str,
        partial_save: bool = False,
        limits: GovernorLimits | None = None,
        loop_guard: int = DEFAULT_LOOP_GUARD,
    ) -> None:
        self.conn = conn
        # InvocableActionSettings.isPartialSaveAllowed: false unless the org turned the critical update on
        # (Metadata API InvocableActionSettings; Winter '20 release notes, "Enable Partial Save for Invocable Actions").
        self.partial_save = partial_save
        self.lock = threading.RLock()
        self.api_version = api_version
        self.base_url = base_url
        self.runtime = OrgInstrumentation()
        self._counters: dict[str, int] = {}
        with self.lock:
            conn.executescript(_SCHEMA)
            self._counters = dict(conn.execute("SELECT prefix, value FROM org_counter").fetchall())
            self.records = RecordStore(conn)
            self.sessions = SessionRegistry(conn, self.lock)
            self.flows = FlowRegistry(conn, self._mint)
            self.flows.load_from_db()
        self.actions = ActionRegistry()
        self.engine = FlowEngine(
            self.records, self.flows.resolve_flow, self.actions, loop_guard, limits=limits, base_url=base_url
        )

    @classmethod
    def create(
        cls,
        db_path: str = ":memory:",
        flows_dir: Path | None = None,
        *,
        access_token: str | None = None,
        api_version: str = defaults.API_VERSION,
        base_url: str = "http://127.0.0.1",
        partial_save: bool = False,
        limits: GovernorLimits | None = None,
        loop_guard: int = DEFAULT_LOOP_GUARD,
    ) -> OrgState:
        """An org over `db_path`, with the flows of `flows_dir` (the demo flows when None) and a token it accepts
        (DEMO_ACCESS_TOKEN when None). Re-opening a database file with the same folder adds nothing twice.
        `partial_save` is the org's InvocableActionSettings.isPartialSaveAllowed; `limits` its governor limits;
        `loop_guard` the number of elements after which an interview is taken to loop forever."""
        try:
            conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
            if db_path != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA busy_timeout=5000")
            state = cls(
                conn,
                api_version=api_version,
                base_url=base_url,
                partial_save=partial_save,
                limits=limits,
                loop_guard=loop_guard,
            )
        except sqlite3.Error as exc:
            raise OrgStateError(f"Cannot open the org database {db_path!r}: {exc}") from None
        state.sessions.register_access_token(access_token or DEMO_ACCESS_TOKEN, user_id=state.user_id)
        state.load_flows_dir(flows_dir if flows_dir is not None else demo_flows_dir())
        for version in state.flows.versions():  # describes ready before the first request
            version.describe(api_version)
            version.summary(api_version)
        return state

    @property
    def user_id(self) -> str:
        """The org's admin user, who owns every session the org issues by default."""
        return self.records.admin_user_id

    def is_flow_admin(self, session: SessionInfo) -> bool:
        """Whether the caller manages flows (Salesforce's "Manage Flow"): the org's admin user does; other users
        (e.g. one a connected app's client-credentials grant runs as) are flow users."""
        return session.user_id == self.user_id

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn` in a worker thread under the org lock."""

        def locked() -> T:
            with self.lock:
                return fn(*args, **kwargs)

        return await anyio.to_thread.run_sync(locked)

    # -- flows ---------------------------------------------------------------------------------------------------
    def add_flow(self, flow: Flow, *, activate: bool | None = None, source: bytes | None = None) -> FlowVersion:
        """A new definition (version 1) or the next version of an existing one; activate=None follows the XML."""
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                version = self.flows.add(flow, activate=activate, source=source)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        return version

    def deploy_flow_xml(self, source: bytes, api_name: str, *, activate: bool | None = None) -> FlowVersion:
        """Parse and add a flow (raises FlowLoadError with a message naming the problem)."""
        return self.add_flow(parse_flow(source, api_name), activate=activate, source=source)

    def load_flows_dir(self, path: Path) -> list[FlowVersion]:
        """Load every *.flow-meta.xml under `path`; files already loaded byte for byte are skipped, bad ones logged."""
        started = time.perf_counter()
        added: list[FlowVersion] = []
        if not path.is_dir():
            log.warning("Flows folder %s does not exist; no flows loaded from it", path)
            return added
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                for file in sorted(path.rglob(f"*{FLOW_SUFFIX}")):
                    version = self._load_file(file)
                    if version is not None:
                        added.append(version)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        self.engine.load_project_configuration(path)  # custom labels and custom metadata records of the project
        log.info("Loaded %d flow versions from %s in %.0f ms", len(added), path, (time.perf_counter() - started) * 1e3)
        return added

    def _load_file(self, file: Path) -> FlowVersion | None:
        api_name = file.name[: -len(FLOW_SUFFIX)]
        try:
            if not file.is_file() or file.stat().st_size > MAX_FLOW_BYTES:
                raise FlowLoadError(f"{file.name} is not a regular file of at most {MAX_FLOW_BYTES} bytes")
            source = file.read_bytes()
            if self.flows.has_source(api_name, source):
                return None
            return self.flows.add(parse_flow(source, api_name), source=source)
        except (FlowLoadError, OSError) as exc:
            log.warning("Skipping flow file %s: %s", file, exc)
            return None

    def mutate_flows(self, fn: Callable[[FlowRegistry], T]) -> T:
        """Apply a change to the registry in one transaction (call it through `call`)."""
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                result = fn(self.flows)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
            return result

    # -- interviews ----------------------------------------------------------------------------------------------
    def run_interview(
        self, version: FlowVersion, inputs: Mapping[str, Any], *, user_id: str | None = None
    ) -> InvocationResult:
        """Run one interview. A failed interview's record changes are rolled back; a paused one is stored."""
        with self.lock:
            user = self.records.get("User", user_id or self.user_id) or {"Id": user_id or self.user_id}
            # The engine rolls back a failed interview's DML itself and reports every problem as an outcome.
            outcome = self.engine.run(version.flow, inputs, user=user)
            interview_id = self._mint("0Fo")
            stored = outcome.status == "Paused"
            if stored:
                self._store_interview(interview_id, version, outcome, user["Id"])
        return InvocationResult(outcome, interview_id, stored)

    def invoke(self, version: FlowVersion, inputs: list[Any], *, user_id: str | None = None) -> list[InvocationResult]:
        """All inputs of one invoke request in one transaction (flows/engine/batch.py); paused ones are stored."""
        with self.lock:
            user = self.records.get("User", user_id or self.user_id) or {"Id": user_id or self.user_id}
            outcomes = run_batch(self.engine, version.flow, inputs, user=user, partial_save=self.partial_save)
            results = []
            for outcome in outcomes:
                interview_id = self._mint("0Fo")
                stored = outcome.status == "Paused"
                if stored:
                    self._store_interview(interview_id, version, outcome, user["Id"])
                results.append(InvocationResult(outcome, interview_id, stored))
        return results

    def _store_interview(
        self, interview_id: str, version: FlowVersion, outcome: InterviewOutcome, owner_id: str
    ) -> None:
        now = timestamp()
        label = f"{version.flow.label} {now[:10]} {now[11:19]}"
        self.conn.execute(
            f"INSERT INTO flow_interview ({_INTERVIEW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                interview_id,
                outcome.guid,
                label[:80],
                label,
                version.id,
                version.definition.id,
                version.api_name,
                "Paused",
                outcome.current_element,
                outcome.pause_label,
                int(version.flow.process_type == "Flow"),
                json.dumps(outcome.outputs, default=str),
                owner_id,
                now,
                now,
            ),
        )

    def interviews(self) -> list[PausedInterview]:
        with self.lock:
            rows = self.conn.execute(f"SELECT {_INTERVIEW_COLUMNS} FROM flow_interview ORDER BY rowid").fetchall()
        return [_interview(row) for row in rows]

    def interview(self, interview_id: str) -> PausedInterview | None:
        with self.lock:
            row = self.conn.execute(
                f"SELECT {_INTERVIEW_COLUMNS} FROM flow_interview WHERE substr(id, 1, 15) = ?", (interview_id[:15],)
            ).fetchone()
        return _interview(row) if row else None

    def delete_interview(self, interview_id: str) -> bool:
        with self.lock:
            cursor = self.conn.execute("DELETE FROM flow_interview WHERE substr(id, 1, 15) = ?", (interview_id[:15],))
        return cursor.rowcount > 0

    # -- Ids -----------------------------------------------------------------------------------------------------
    def _mint(self, prefix: str) -> str:
        """A new Id; the counter is stored so that Ids stay unique across restarts with a database file."""
        with self.lock:
            value = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = value
            self.conn.execute("INSERT OR REPLACE INTO org_counter VALUES (?, ?)", (prefix, value))
        return IdMinter(prefix, start=value).next()


def _interview(row: tuple[Any, ...]) -> PausedInterview:
    values = list(row)
    values[10] = bool(values[10])
    values[11] = json.loads(values[11])
    return PausedInterview(*values)
