"""Invocable-action describes as Salesforce sends them, for the per-flow schema tests (test_flow_types,
test_flow_schema, test_flow_wording): one parameter builder, a sample value each type accepts and one it refuses,
and a describe with one input and one output of every type."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

ACCOUNT_ID = "001000000000001AAA"
ACCOUNT_ID_15 = "001000000000001"

# Salesforce type -> (a value it accepts, a value it refuses)
SAMPLES: dict[str, tuple[Any, Any]] = {
    "STRING": ("hello", 12),
    "TEXTAREA": ("line one\nline two", ["not", "text"]),
    "ENCRYPTEDSTRING": ("s3cret", True),
    "EMAIL": ("ada@example.com", 1.5),
    "PHONE": ("+44 20 7946 0000", 442079460000),
    "URL": ("https://example.com", {"url": "x"}),
    "BOOLEAN": (True, "true"),
    "INTEGER": (42, 4.5),
    "LONG": (9007199254740993, "9007199254740993"),
    "INT": (-3, "three"),
    "DOUBLE": (3.25, "3.25"),
    "CURRENCY": (1999.99, "$1999.99"),
    "PERCENT": (12.5, "12.5%"),
    "NUMBER": (7, None),
    "DECIMAL": (0.1, [0.1]),
    "DATE": ("2024-05-01", "01/05/2024"),
    "DATETIME": ("2024-05-01T12:34:56Z", 1714566896),
    "TIME": ("12:34:56.000Z", 1234),
    "ID": (ACCOUNT_ID, "001-not-an-id"),
    "REFERENCE": (ACCOUNT_ID_15, "001000000000001aaa"),  # an 18-char Id's suffix is upper case
    "PICKLIST": ("Gold", "Platinum"),
    "MULTIPICKLIST": ("Gold;Silver", "Gold;Platinum"),
    # A record of another object is refused by the tool before the schema check (tests/test_flow_records.py).
    "SOBJECT": ({"attributes": {"type": "Account"}, "Name": "Acme"}, "Acme"),
}
PICKLIST = ["Gold", {"value": "Silver", "label": "Silver", "active": True}, {"value": "Bronze"}]


def make_param(name: str, type_name: Any, **extra: Any) -> dict[str, Any]:
    """A parameter as Salesforce describes it (inputs carry byteLength and required, outputs do not)."""
    param = {
        "apexClass": None,
        "byteLength": 0,
        "description": None,
        "label": name.replace("_", " ").title(),
        "maxOccurs": 1,
        "name": name,
        "picklistValues": None,
        "required": False,
        "sobjectType": None,
        "type": type_name,
    }
    param.update(extra)
    return param


def typed_param(type_name: str, *, collection: bool = False) -> dict[str, Any]:
    name = type_name.lower() + ("_list" if collection else "")
    extra: dict[str, Any] = {"maxOccurs": 2 if collection else 1}
    if type_name in ("PICKLIST", "MULTIPICKLIST"):
        extra["picklistValues"] = PICKLIST
    if type_name == "SOBJECT":
        extra["sobjectType"] = "Account"
    return make_param(name, type_name, **extra)


def every_type_describe() -> dict[str, Any]:
    params = [typed_param(t) for t in SAMPLES] + [typed_param(t, collection=True) for t in SAMPLES]
    return {
        "name": "Every_Type",
        "label": "Every Type",
        "description": "Takes one parameter of each Salesforce type.",
        "inputs": params,
        "outputs": [{k: v for k, v in p.items() if k not in ("byteLength", "required")} for p in params]
        + [
            make_param("Flow__InterviewStatus", "PICKLIST", label="Flow Interview Status"),
            make_param("Flow__InterviewGuid", "STRING", label="Flow Interview GUID"),
        ],
        "type": "FLOW",
    }


def accepts(schema: dict[str, Any], value: Any) -> bool:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(value)
