"""Custom labels (`CustomLabels.labels-meta.xml`, Metadata API CustomLabels) for the $Label global.

A retrieved project keeps them next to its flows (force-app/main/default/labels/); the org reads every such file
under its flows folder. Untrusted input like the flow files: defusedxml, a size bound, bad files skipped and logged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from . import xml_helpers as x

__all__ = ["LABELS_SUFFIX", "load_labels"]

log = logging.getLogger(__name__)
LABELS_SUFFIX = ".labels-meta.xml"
MAX_LABELS_BYTES = 5 * 1024 * 1024


def parse_labels(data: bytes) -> dict[str, str]:
    """fullName -> value of each <labels> entry."""
    root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    labels: dict[str, str] = {}
    for node in x.children(root, "labels"):
        name, value = x.text(node, "fullName"), x.text(node, "value")
        if name and name.strip() and value is not None:
            labels[name.strip()] = value
    return labels


def load_labels(folder: Path) -> dict[str, str]:
    """Every custom label in the *.labels-meta.xml files under `folder`."""
    labels: dict[str, str] = {}
    for file in sorted(folder.rglob(f"*{LABELS_SUFFIX}")):
        try:
            if not file.is_file() or file.stat().st_size > MAX_LABELS_BYTES:
                raise ValueError(f"not a regular file of at most {MAX_LABELS_BYTES} bytes")
            labels.update(parse_labels(file.read_bytes()))
        except (OSError, ValueError, ParseError, defusedxml.DefusedXmlException) as exc:
            log.warning("Skipping custom labels file %s: %s", file, exc)
    return labels
