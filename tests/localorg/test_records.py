"""The sObject store: Ids with key prefixes, Salesforce's required-field errors, audit fields, persistence."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from salesforce_flow_mcp.localorg.store.records import RecordError, RecordStore
from salesforce_flow_mcp.sfid import is_salesforce_id


@pytest.mark.parametrize(
    ("sobject", "fields", "prefix"),
    [
        ("Account", {"Name": "Acme"}, "001"),
        ("Contact", {"LastName": "Lovelace"}, "003"),
        ("Case", {}, "500"),
        ("Lead", {"LastName": "Hopper", "Company": "Navy"}, "00Q"),
        ("Opportunity", {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2024-12-31"}, "006"),
        ("Task", {}, "00T"),
        ("Event", {}, "00U"),
        ("Group", {"Name": "Support"}, "00G"),
        ("Campaign", {"Name": "Spring"}, "701"),
        ("Product2", {"Name": "Bike"}, "01t"),
    ],
)
def test_standard_objects_get_their_key_prefix(
    store: RecordStore, sobject: str, fields: dict[str, str], prefix: str
) -> None:
    record_id = store.insert(sobject, fields)
    assert record_id.startswith(prefix) and len(record_id) == 18 and is_salesforce_id(record_id)
    assert store.get(sobject, record_id) is not None
    assert store.key_prefix(sobject) == prefix


@pytest.mark.parametrize(
    ("sobject", "fields", "missing"),
    [
        ("Account", {"Industry": "Tech"}, ["Name"]),
        ("Account", {"Name": "   "}, ["Name"]),
        ("Contact", {"FirstName": "Ada"}, ["LastName"]),
        ("Lead", {}, ["LastName", "Company"]),
        ("Opportunity", {"Name": "Deal"}, ["StageName", "CloseDate"]),
    ],
)
def test_required_fields_use_salesforce_wording(
    store: RecordStore, sobject: str, fields: dict[str, str], missing: list[str]
) -> None:
    with pytest.raises(RecordError) as caught:
        store.insert(sobject, fields)
    assert caught.value.status_code == "REQUIRED_FIELD_MISSING"
    assert caught.value.message == f"Required fields are missing: [{', '.join(missing)}]"
    assert caught.value.fields == missing
    assert store.rows(sobject) == []


def test_custom_objects_get_minted_prefixes(store: RecordStore) -> None:
    first = store.insert("Invoice__c", {"Amount__c": 10})
    second = store.insert("Shipment__c", {})
    again = store.insert("invoice__C", {})  # object names are case-insensitive
    assert (first[:3], second[:3], again[:3]) == ("a0A", "a0B", "a0A")
    assert [r["Id"] for r in store.rows("Invoice__c")] == [first, again]
    assert "Invoice__c" in store.objects() and "Account" in store.objects()
    assert store.object_for_id(second) == "Shipment__c"


def test_audit_fields_owner_and_name(store: RecordStore) -> None:
    contact_id = store.insert("Contact", {"FirstName": "Ada", "LastName": "Lovelace"})
    contact = store.get("Contact", contact_id)
    assert contact is not None
    assert contact["Name"] == "Ada Lovelace"
    assert contact["OwnerId"] == contact["CreatedById"] == store.admin_user_id
    assert contact["CreatedDate"].endswith("+0000") and contact["IsDeleted"] is False
    with pytest.raises(RecordError, match="Unable to create/update fields: CreatedDate"):
        store.insert("Contact", {"LastName": "X", "CreatedDate": "2020-01-01T00:00:00.000+0000"})
    seeded = store.insert(
        "Contact", {"LastName": "Old", "CreatedDate": "2020-01-01T00:00:00.000+0000"}, allow_audit_fields=True
    )
    assert store.get("Contact", seeded)["CreatedDate"] == "2020-01-01T00:00:00.000+0000"  # type: ignore[index]


def test_admin_user_is_seeded_once_and_persists(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    first = RecordStore(sqlite3.connect(db))
    admin = first.get("User", first.admin_user_id)
    assert admin is not None and admin["Username"] and admin["IsActive"] is True
    account = first.insert("Account", {"Name": "Kept"})
    custom = first.insert("Thing__c", {})
    again = RecordStore(sqlite3.connect(db))
    assert again.admin_user_id == first.admin_user_id
    assert len(again.rows("User")) == 1
    assert again.get("Account", account) is not None
    # Counters and custom prefixes survive a restart: no Id is minted twice.
    assert again.insert("Thing__c", {}) not in (custom,)
    assert again.insert("Account", {"Name": "New"}) != account


def test_update_delete_and_lookups(store: RecordStore) -> None:
    account_id = store.insert("Account", {"Name": "Acme", "Industry": "Tech"})
    store.update("account", account_id[:15], {"industry": "Retail", "NumberOfEmployees": 12})
    account = store.get("Account", account_id)
    assert account is not None
    assert (account["Industry"], account["NumberOfEmployees"]) == ("Retail", 12)
    assert "industry" not in account  # field names are case-insensitive
    with pytest.raises(RecordError, match="REQUIRED_FIELD_MISSING"):
        store.update("Account", account_id, {"Name": ""})
    assert store.find_by_id(account_id) == ("Account", store.get("Account", account_id))
    store.delete("Account", account_id)
    assert store.get("Account", account_id) is None
    with pytest.raises(RecordError) as caught:
        store.delete("Account", account_id)
    assert caught.value.status_code == "ENTITY_IS_DELETED"
    with pytest.raises(RecordError) as caught:
        store.update("Account", account_id, {"Name": "Gone"})
    assert caught.value.status_code == "INVALID_CROSS_REFERENCE_KEY"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"Name": "X", "Id": "0015g0000000001AAA"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Name": "X", "bad field": 1}, "INVALID_FIELD"),
        ({"Name": "X", "Nested__c": {"a": 1}}, "INVALID_FIELD"),
        ({"Name": "X", "Obj": object()}, "INVALID_FIELD"),
    ],
)
def test_bad_fields_are_refused(store: RecordStore, fields: dict[str, object], code: str) -> None:
    with pytest.raises(RecordError) as caught:
        store.insert("Account", fields)
    assert caught.value.status_code == code


def test_bad_object_names(store: RecordStore) -> None:
    with pytest.raises(RecordError) as caught:
        store.insert("Account; DROP TABLE x", {"Name": "X"})
    assert caught.value.status_code == "INVALID_TYPE"
    assert store.rows("NoSuchObject") == [] and store.get("Account", "not-an-id") is None


def test_savepoint_rolls_back_on_error(store: RecordStore) -> None:
    with pytest.raises(RecordError), store.savepoint():
        store.insert("Account", {"Name": "Undone"})
        store.insert("Account", {})
    with store.savepoint():
        store.insert("Account", {"Name": "Kept"})
    assert [a["Name"] for a in store.rows("Account")] == ["Kept"]


def test_derived_fields(store: RecordStore) -> None:
    case_id = store.insert("Case", {"Status": "New"})
    assert store.get("Case", case_id)["IsClosed"] is False  # type: ignore[index]
    store.update("Case", case_id, {"Status": "Closed"})
    assert store.get("Case", case_id)["IsClosed"] is True  # type: ignore[index]
