"""Custom metadata records (Metadata API CustomMetadata) for the $CustomMetadata global.

A retrieved project keeps each record in `customMetadata/<Type>.<Record>.md-meta.xml`: the type's name without its
`__mdt` suffix (with the namespace of a managed type), a dot, the record's DeveloperName. The record holds `label`
and `values` (CustomMetadataValue: `field`, and a `value` typed by its xsi:type, or xsi:nil for null). Read from
every such file under the org's flows folder (project_files.py).
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element as XmlElement

from ..model import CustomMetadataRecord, FieldValue, Value
from . import xml_helpers as x
from .project_files import parse_each

__all__ = ["CUSTOM_METADATA_SUFFIX", "load_custom_metadata"]

CUSTOM_METADATA_SUFFIX = ".md-meta.xml"
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
# xsi:type of a CustomMetadataValue -> the flow literal kind it reads as.
_VALUE_KINDS = {
    "xsd:string": "stringValue",
    "xsd:boolean": "booleanValue",
    "xsd:double": "numberValue",
    "xsd:decimal": "numberValue",
    "xsd:int": "numberValue",
    "xsd:long": "numberValue",
    "xsd:date": "dateValue",
    "xsd:dateTime": "dateTimeValue",
}


def _value(node: XmlElement) -> Value | None:
    value = x.child(node, "value")
    if value is None or value.get(f"{_XSI}nil") == "true":
        return None
    kind = _VALUE_KINDS.get(value.get(f"{_XSI}type") or "xsd:string", "stringValue")
    return Value(kind=kind, text=value.text or "")


def _record(file_name: str, root: XmlElement) -> CustomMetadataRecord:
    type_part, dot, developer_name = file_name[: -len(CUSTOM_METADATA_SUFFIX)].partition(".")
    if not dot or not type_part or not developer_name:
        raise ValueError("the file name is not <Type>.<Record>.md-meta.xml")
    values = tuple(
        FieldValue(name=field.strip(), value=_value(node))
        for node in x.children(root, "values")
        if (field := x.text(node, "field")) and field.strip()
    )
    label = (x.text(root, "label") or developer_name).strip() or developer_name
    return CustomMetadataRecord(f"{type_part}__mdt", developer_name, label, values)


def load_custom_metadata(folder: Path) -> list[CustomMetadataRecord]:
    """Every custom metadata record file under `folder`, in file-name order."""
    return list(parse_each(folder, CUSTOM_METADATA_SUFFIX, _record, "custom metadata"))
