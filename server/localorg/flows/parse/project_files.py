"""The org configuration a retrieved project keeps next to its flows (custom labels, custom metadata records), read
from every matching file under the org's flows folder. Untrusted input like the flow files: defusedxml, a size bound,
a bad file skipped and logged (the others still load)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from xml.etree.ElementTree import Element as XmlElement
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

__all__ = ["MAX_PROJECT_FILE_BYTES", "parse_each", "safe_root"]

log = logging.getLogger(__name__)
MAX_PROJECT_FILE_BYTES = 5 * 1024 * 1024
T = TypeVar("T")


def safe_root(data: bytes) -> XmlElement:
    root: XmlElement = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    return root


def parse_each(folder: Path, suffix: str, parse: Callable[[str, XmlElement], T], what: str) -> Iterator[T]:
    """parse(file name, root element) of every `*suffix` file under `folder`, in name order."""
    for file in sorted(folder.rglob(f"*{suffix}")):
        try:
            if not file.is_file() or file.stat().st_size > MAX_PROJECT_FILE_BYTES:
                raise ValueError(f"not a regular file of at most {MAX_PROJECT_FILE_BYTES} bytes")
            yield parse(file.name, safe_root(file.read_bytes()))
        except (OSError, ValueError, ParseError, defusedxml.DefusedXmlException) as exc:
            log.warning("Skipping %s file %s: %s", what, file, exc)
