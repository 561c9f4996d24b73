"""The embedded org's sObject store: records in one SQLite table with JSON fields.

Values are kept as Salesforce's REST API shows them: numbers, strings, booleans, dates as "YYYY-MM-DD" and datetimes
as "YYYY-MM-DDTHH:MM:SS.000+0000". Standard objects know their key prefix and required fields; custom objects are
accepted as they come and get a minted prefix (a0A, a0B, ...).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from ...sfid import IdMinter, is_salesforce_id
from ..datetimes import rest_text, timestamp

__all__ = ["STANDARD_OBJECTS", "RecordError", "RecordStore"]


class RecordError(Exception):
    """A DML failure in Salesforce's terms: status_code (e.g. REQUIRED_FIELD_MISSING), message, fields."""

    def __init__(self, status_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.fields = list(fields or [])


# object -> (key prefix, required fields on create). Required lists follow the fields Salesforce enforces.
STANDARD_OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Account": ("001", ("Name",)),
    "Note": ("002", ("Title", "ParentId")),
    "Contact": ("003", ("LastName",)),
    "User": ("005", ("Username", "LastName", "Email", "Alias")),
    "Opportunity": ("006", ("Name", "StageName", "CloseDate")),
    "Organization": ("00D", ()),
    "Profile": ("00e", ("Name",)),
    "UserRole": ("00E", ("Name",)),
    "Group": ("00G", ("Name",)),
    "OpportunityLineItem": ("00k", ("OpportunityId",)),
    "Attachment": ("00P", ("Name", "ParentId")),
    "Lead": ("00Q", ("LastName", "Company")),
    "Task": ("00T", ()),
    "Event": ("00U", ()),
    "CampaignMember": ("00v", ("CampaignId",)),
    "RecordType": ("012", ("Name",)),
    "AccountTeamMember": ("01M", ("AccountId", "UserId")),
    "Pricebook2": ("01s", ("Name",)),
    "Product2": ("01t", ("Name",)),
    "Asset": ("02i", ("Name",)),
    "EmailMessage": ("02s", ()),
    "ContentVersion": ("068", ("Title",)),
    "ContentDocument": ("069", ()),
    "ContentDocumentLink": ("06A", ("ContentDocumentId", "LinkedEntityId")),
    "ServiceAppointment": ("08p", ("ParentRecordId",)),
    "FeedItem": ("0D5", ("ParentId",)),
    "Entitlement": ("550", ("Name", "AccountId")),
    "EntityMilestone": ("0EM", ("Name",)),
    "Quote": ("0Q0", ("Name", "OpportunityId")),
    "WorkOrder": ("0WO", ()),
    "Incident": ("6ID", ("Subject",)),
    "IncidentRelatedItem": ("6IR", ()),
    "CaseRelatedIssue": ("6CR", ()),
    "Case": ("500", ()),
    "Solution": ("501", ("SolutionName",)),
    "Campaign": ("701", ("Name",)),
    "Contract": ("800", ("AccountId",)),
    "Order": ("801", ("AccountId", "EffectiveDate", "Status")),
}
# Objects whose records get an OwnerId (custom objects too, unless they say otherwise).
_OWNED = frozenset({"Account", "Contact", "Lead", "Opportunity", "Case", "Task", "Event", "Campaign", "Contract"})
# Written by the org itself; a create or update that sets them is refused as Salesforce refuses it.
AUDIT_FIELDS = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp", "IsDeleted")
# Fields Salesforce computes from others (read-only formula-like fields flows filter on).
_CLOSED_CASE_STATUSES = frozenset({"closed"})
DERIVED_FIELDS: dict[str, dict[str, Callable[[Mapping[str, Any]], Any]]] = {
    "Case": {"IsClosed": lambda r: str(r.get("Status") or "").lower() in _CLOSED_CASE_STATUSES},
    "EntityMilestone": {"IsCompleted": lambda r: r.get("CompletionDate") is not None},
}
_FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_OBJECT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

ADMIN_USERNAME = "admin@embedded-org.localhost"  # the seeded admin user every default session runs as

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sobject_records (
    id TEXT PRIMARY KEY,
    sobject TEXT NOT NULL,
    seq INTEGER NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sobject_records_by_object ON sobject_records (sobject, id);
CREATE TABLE IF NOT EXISTS sobject_types (
    name_lower TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    next_number INTEGER NOT NULL
);
"""


def _json_field(name: str, value: Any) -> Any:
    """One field value as stored (JSON); nested objects are not fields."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise RecordError("INVALID_FIELD", f"Field {name} cannot hold a non-finite number", [name])
        return value
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        integral = isinstance(exponent, int) and exponent >= 0 and value == value.to_integral_value()
        return int(value) if integral else float(value)
    text = rest_text(value)
    if text is None:
        raise RecordError("INVALID_FIELD", f"Field {name} cannot hold a {type(value).__name__} value", [name])
    return text


class RecordStore:
    """sObjects on a sqlite3 connection owned by the org (the caller serialises access)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._savepoints = 0
        conn.executescript(_SCHEMA)
        self._seed_types()
        self._commit()
        self.admin_user_id = self._seed_admin_user()

    # ---- public API --------------------------------------------------------------------------------------------

    def insert(self, sobject: str, fields: Mapping[str, Any], *, allow_audit_fields: bool = False) -> str:
        """Create a record; returns its new 18-character Id. allow_audit_fields lets seed data set CreatedDate."""
        name = self._object_name(sobject, create=True)
        assert name is not None  # create=True mints a type or raises
        values = self._clean_fields(name, fields, allow_audit_fields=allow_audit_fields)
        if values.pop("Id", None) not in (None, ""):
            raise RecordError("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"])
        self._check_required(name, values)
        now = timestamp()
        record_id, seq = self._mint(name)
        record: dict[str, Any] = {"Id": record_id}
        record.update(values)
        for audit, default in (
            ("CreatedDate", now),
            ("LastModifiedDate", now),
            ("SystemModstamp", now),
            ("CreatedById", self._admin_or_self(record_id)),
            ("LastModifiedById", self._admin_or_self(record_id)),
            ("IsDeleted", False),
        ):
            record.setdefault(audit, default)
        if (name in _OWNED or name.endswith("__c")) and "OwnerId" not in record:
            record["OwnerId"] = self._admin_or_self(record_id)
        if name in ("Contact", "Lead", "User") and "Name" not in record:
            record["Name"] = " ".join(str(p) for p in (record.get("FirstName"), record.get("LastName")) if p)
        _derive(name, record)
        self._conn.execute(
            "INSERT INTO sobject_records (id, sobject, seq, fields) VALUES (?, ?, ?, ?)",
            (record_id, name, seq, json.dumps(record)),
        )
        self._commit()
        return record_id

    def update(self, sobject: str, record_id: str, fields: Mapping[str, Any]) -> None:
        name = self._object_name(sobject, create=False)
        current = self.get(name, record_id) if name else None
        if name is None or current is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {record_id}", ["Id"])
        values = self._clean_fields(name, fields, allow_audit_fields=False)
        given_id = values.pop("Id", None)
        if given_id not in (None, "") and str(given_id)[:15] != current["Id"][:15]:
            raise RecordError("INVALID_FIELD_FOR_INSERT_UPDATE", "Id does not match the record being updated", ["Id"])
        for key, val in values.items():
            existing = next((k for k in current if k.lower() == key.lower()), key)
            current[existing] = val
        self._check_required(name, current)
        now = timestamp()
        current["LastModifiedDate"] = now
        current["SystemModstamp"] = now
        _derive(name, current)
        self._conn.execute("UPDATE sobject_records SET fields = ? WHERE id = ?", (json.dumps(current), current["Id"]))
        self._commit()

    def delete(self, sobject: str, record_id: str) -> None:
        name = self._object_name(sobject, create=False)
        current = self.get(name, record_id) if name else None
        if name is None or current is None:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        self._conn.execute("DELETE FROM sobject_records WHERE id = ?", (current["Id"],))
        self._commit()

    def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        name = self._object_name(sobject, create=False)
        if name is None or not isinstance(record_id, str) or not is_salesforce_id(record_id):
            return None
        row = self._conn.execute(
            "SELECT fields FROM sobject_records WHERE sobject = ? AND substr(id, 1, 15) = ?", (name, record_id[:15])
        ).fetchone()
        return dict(json.loads(row[0])) if row else None

    def rows(self, sobject: str) -> list[dict[str, Any]]:
        """All records of an object, oldest first (for SOQL and Get Records)."""
        name = self._object_name(sobject, create=False)
        if name is None:
            return []
        cursor = self._conn.execute("SELECT fields FROM sobject_records WHERE sobject = ? ORDER BY seq", (name,))
        return [dict(json.loads(row[0])) for row in cursor]

    def objects(self) -> list[str]:
        """Objects the store knows: the standard ones and every custom object seen so far."""
        return [row[0] for row in self._conn.execute("SELECT name FROM sobject_types ORDER BY name")]

    # ---- helpers beyond the contract (used by the engine and seed data) -----------------------------------------

    def find_by_id(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        """(object, record) for an Id of any object, using its key prefix."""
        if not isinstance(record_id, str) or not is_salesforce_id(record_id):
            return None
        row = self._conn.execute(
            "SELECT sobject, fields FROM sobject_records WHERE substr(id, 1, 15) = ?", (record_id[:15],)
        ).fetchone()
        return (row[0], dict(json.loads(row[1]))) if row else None

    def object_name(self, sobject: str) -> str | None:
        """The canonical spelling of a known object name (names are case-insensitive), or None."""
        return self._object_name(sobject, create=False)

    def key_prefix(self, sobject: str) -> str | None:
        name = self._object_name(sobject, create=False)
        if name is None:
            return None
        row = self._conn.execute("SELECT prefix FROM sobject_types WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def object_for_id(self, record_id: str) -> str | None:
        if not isinstance(record_id, str) or len(record_id) < 3:
            return None
        row = self._conn.execute("SELECT name FROM sobject_types WHERE prefix = ?", (record_id[:3],)).fetchone()
        return str(row[0]) if row else None

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """All writes inside are undone if the block raises (a flow's unhandled fault rolls back its DML)."""
        name = f"flow_sp_{self._savepoints}"
        self._conn.execute(f"SAVEPOINT {name}")
        self._savepoints += 1
        try:
            yield
        except BaseException:
            self._savepoints -= 1
            self._conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self._conn.execute(f"RELEASE SAVEPOINT {name}")
            self._commit()
            raise
        else:
            self._savepoints -= 1
            self._conn.execute(f"RELEASE SAVEPOINT {name}")
            self._commit()

    def undo_to_savepoint(self) -> None:
        """Undo every write since the innermost open savepoint, which stays open (Roll Back Records)."""
        if self._savepoints == 0:
            return
        self._conn.execute(f"ROLLBACK TO SAVEPOINT flow_sp_{self._savepoints - 1}")

    # ---- internals --------------------------------------------------------------------------------------------

    def _commit(self) -> None:
        if self._savepoints == 0 and self._conn.in_transaction:
            self._conn.commit()

    def _seed_types(self) -> None:
        for name, (prefix, _required) in STANDARD_OBJECTS.items():
            self._conn.execute(
                "INSERT OR IGNORE INTO sobject_types (name_lower, name, prefix, next_number) VALUES (?, ?, ?, 1)",
                (name.lower(), name, prefix),
            )

    def _seed_admin_user(self) -> str:
        row = self._conn.execute(
            "SELECT id FROM sobject_records WHERE sobject = 'User' ORDER BY seq LIMIT 1"
        ).fetchone()
        if row:
            return str(row[0])
        admin_id = self.insert(
            "User",
            {
                "FirstName": "Admin",
                "LastName": "User",
                "Username": ADMIN_USERNAME,
                "Email": "admin@example.com",
                "Alias": "admin",
                "IsActive": True,
                "CommunityNickname": "admin",
                "TimeZoneSidKey": "GMT",
                "LocaleSidKey": "en_US",
                "LanguageLocaleKey": "en_US",
                "EmailEncodingKey": "UTF-8",
                "UserType": "Standard",
                "Title": "Administrator",
            },
        )
        return admin_id

    def _admin_or_self(self, record_id: str) -> str:
        # While the admin user itself is being created there is no admin yet: it created itself.
        return getattr(self, "admin_user_id", None) or record_id

    def _object_name(self, sobject: str, *, create: bool) -> str | None:
        if not isinstance(sobject, str) or not _OBJECT_RE.match(sobject) or len(sobject) > 80:
            if create:
                raise RecordError("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
            return None
        row = self._conn.execute("SELECT name FROM sobject_types WHERE name_lower = ?", (sobject.lower(),)).fetchone()
        if row:
            return str(row[0])
        if not create:
            return None
        # Custom objects, platform events and standard objects outside the table: accepted as they come.
        count = self._conn.execute("SELECT COUNT(*) FROM sobject_types WHERE prefix LIKE 'a%'").fetchone()[0]
        first, second = divmod(int(count) + 10, 62)  # a0A, a0B, ..., a0z, a10, ...
        if first >= 62:
            raise RecordError("LIMIT_EXCEEDED", "too many custom objects in the embedded org")
        prefix = "a" + _BASE62[first] + _BASE62[second]
        self._conn.execute(
            "INSERT INTO sobject_types (name_lower, name, prefix, next_number) VALUES (?, ?, ?, 1)",
            (sobject.lower(), sobject, prefix),
        )
        return sobject

    def _mint(self, name: str) -> tuple[str, int]:
        prefix, number = self._conn.execute(
            "SELECT prefix, next_number FROM sobject_types WHERE name = ?", (name,)
        ).fetchone()
        self._conn.execute("UPDATE sobject_types SET next_number = next_number + 1 WHERE name = ?", (name,))
        seq = self._conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM sobject_records").fetchone()[0]
        return IdMinter(str(prefix), start=int(number)).next(), int(seq)

    def _clean_fields(self, name: str, fields: Mapping[str, Any], *, allow_audit_fields: bool) -> dict[str, Any]:
        if not isinstance(fields, Mapping):
            raise RecordError("INVALID_FIELD", f"The {name} record must be an object of field values")
        values: dict[str, Any] = {}
        blocked: list[str] = []
        for key, val in fields.items():
            if key == "attributes":
                continue
            if not isinstance(key, str) or not _FIELD_RE.match(key) or len(key) > 80:
                raise RecordError("INVALID_FIELD", f"No such column '{key}' on sobject of type {name}", [str(key)])
            if not allow_audit_fields and key in AUDIT_FIELDS:
                blocked.append(key)
                continue
            if isinstance(val, Mapping | list | tuple):
                raise RecordError(
                    "INVALID_FIELD",
                    f"Field {key} on {name} holds a nested value; only plain field values are saved",
                    [key],
                )
            values[key] = _json_field(key, val)
        if blocked:
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {', '.join(blocked)}.", blocked
            )
        return values

    def _check_required(self, name: str, record: Mapping[str, Any]) -> None:
        required = STANDARD_OBJECTS.get(name, ("", ()))[1]
        missing = [f for f in required if _blank(next((v for k, v in record.items() if k.lower() == f.lower()), None))]
        if missing:
            raise RecordError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)


def _derive(name: str, record: dict[str, Any]) -> None:
    for field_name, compute in DERIVED_FIELDS.get(name, {}).items():
        record[field_name] = compute(record)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
