"""The org's configuration that global variables answer from, set in process or read from a retrieved project.

- `$Label`: custom labels (CustomLabels files, or configure_org(labels=...)).
- `$Permission`: the running user's custom permissions (configure_org(permissions=...)).
- `$Organization`: the organization's fields (configure_org(organization=...)).
- `$CustomMetadata`: custom metadata records (customMetadata/*.md-meta.xml files, or
  configure_org(custom_metadata={"Type__mdt": {"Record": {"Field__c": value}}})).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..model import CustomMetadataRecord
from ..parse.custom_metadata import load_custom_metadata
from ..parse.labels import load_labels
from .interview_state import EngineServices
from .values import literal, normalize

__all__ = ["CustomMetadataInput", "add_custom_metadata", "load_project_configuration"]

# type (with __mdt) -> record DeveloperName -> field -> value; MasterLabel/Label may be given as fields.
CustomMetadataInput = Mapping[str, Mapping[str, Mapping[str, Any]]]


def _store(services: EngineServices, type_name: str, developer_name: str, fields: dict[str, Any]) -> None:
    label = str(fields.pop("MasterLabel", None) or fields.pop("Label", None) or developer_name)
    fields.pop("Label", None)
    record = {
        "attributes": {"type": type_name},
        "DeveloperName": developer_name,
        "MasterLabel": label,
        "Label": label,
        "QualifiedApiName": developer_name,
        **fields,
    }
    services.custom_metadata.setdefault(type_name.lower(), {})[developer_name.lower()] = record


def add_custom_metadata(services: EngineServices, records: CustomMetadataInput) -> None:
    for type_name, by_name in records.items():
        for developer_name, fields in by_name.items():
            _store(services, type_name, developer_name, dict(normalize(dict(fields))))


def _from_file(services: EngineServices, record: CustomMetadataRecord) -> None:
    fields = {fv.name: None if fv.value is None else literal(fv.value) for fv in record.values}
    _store(services, record.type_name, record.developer_name, {"MasterLabel": record.label, **fields})


def load_project_configuration(services: EngineServices, folder: Path) -> None:
    """Add the custom labels and custom metadata records kept under `folder` (as a retrieved project keeps them)."""
    services.labels.update(load_labels(folder))
    for record in load_custom_metadata(folder):
        _from_file(services, record)
