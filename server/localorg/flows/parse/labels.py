"""Custom labels (`CustomLabels.labels-meta.xml`, Metadata API CustomLabels) for the $Label global.

A retrieved project keeps them next to its flows (force-app/main/default/labels/); the org reads every such file
under its flows folder (project_files.py).
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element as XmlElement

from . import xml_helpers as x
from .project_files import parse_each

__all__ = ["LABELS_SUFFIX", "load_labels"]

LABELS_SUFFIX = ".labels-meta.xml"


def _labels(root: XmlElement) -> dict[str, str]:
    """fullName -> value of each <labels> entry."""
    labels: dict[str, str] = {}
    for node in x.children(root, "labels"):
        name, value = x.text(node, "fullName"), x.text(node, "value")
        if name and name.strip() and value is not None:
            labels[name.strip()] = value
    return labels


def load_labels(folder: Path) -> dict[str, str]:
    """Every custom label in the *.labels-meta.xml files under `folder`."""
    labels: dict[str, str] = {}
    for found in parse_each(folder, LABELS_SUFFIX, lambda name, root: _labels(root), "custom labels"):
        labels.update(found)
    return labels
