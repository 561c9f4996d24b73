"""Load Flow metadata (`*.flow-meta.xml`) safely into the Flow model.

Flow files are untrusted input: defusedxml forbids DTDs, entity declarations and external references, and the size
is checked before any parsing (a file's size before it is read at all).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element as XmlElement
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from ....sfid import is_api_name
from ..model import (
    Decision,
    Element,
    Flow,
    Loop,
    Start,
    UnsupportedElement,
)
from . import elements as parse
from . import resources
from . import xml_helpers as x
from .xml_helpers import METADATA_NS, FlowLoadError

__all__ = [
    "MAX_FLOW_BYTES",
    "METADATA_NS",
    "FlowLoadError",
    "demo_flows_dir",
    "load_flow_dir",
    "load_flow_file",
    "parse_flow",
]

log = logging.getLogger(__name__)

MAX_FLOW_BYTES = 5 * 1024 * 1024
FLOW_SUFFIX = ".flow-meta.xml"

# Top-level tags that are flow properties, not elements or resources.
_PROPERTY_TAGS = frozenset(
    {
        "apiVersion",
        "label",
        "description",
        "processType",
        "status",
        "interviewLabel",
        "environments",
        "runInMode",
        "processMetadataValues",
        "isTemplate",
        "overriddenFlow",
        "areMetricsLoggedToDataCloud",
        "start",
        "startElementReference",
        "customProperties",
        "sourceTemplate",
        "triggerOrder",
        "timeZoneSidKey",
        "isAdditionalPermissionRequiredToRun",
        "migratedFromWorkflowRuleName",
        "fullName",
        "isOverridable",
        "capabilityTypes",
        "connector",
        "loopLimit",
    }
)
# Resource tag -> its parser; each kind becomes one tuple of the Flow.
RESOURCE_PARSERS: dict[str, Callable[[XmlElement], Any]] = {
    "variables": resources.parse_variable,
    "constants": resources.parse_constant,
    "formulas": resources.parse_formula,
    "textTemplates": resources.parse_text_template,
    "choices": resources.parse_choice,
    "dynamicChoiceSets": resources.parse_dynamic_choice_set,
    "stages": resources.parse_stage,
}


def demo_flows_dir() -> Path:
    """The demo flows shipped with the package (server/localorg/demo_flows)."""
    return Path(__file__).resolve().parents[2] / "demo_flows"


def parse_flow(data: bytes, api_name: str) -> Flow:
    """Parse one flow's metadata. Raises FlowLoadError for anything unsafe, oversized or not a valid flow."""
    if len(data) > MAX_FLOW_BYTES:
        raise FlowLoadError(
            f"Flow {api_name!r} is {len(data)} bytes; the embedded org accepts flow files up to {MAX_FLOW_BYTES} bytes"
        )
    if not is_api_name(api_name):
        raise FlowLoadError(f"{api_name!r} is not a valid flow API name (letters, digits and underscores)")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise FlowLoadError(
            f"Flow {api_name!r} was refused: it declares a DTD, which flow metadata never needs"
        ) from None
    except defusedxml.EntitiesForbidden:
        raise FlowLoadError(f"Flow {api_name!r} was refused: it declares XML entities (entity expansion)") from None
    except defusedxml.ExternalReferenceForbidden:
        raise FlowLoadError(f"Flow {api_name!r} was refused: it references an external entity") from None
    except ParseError as exc:
        raise FlowLoadError(f"Flow {api_name!r} is not well-formed XML: {exc}") from None
    except (ValueError, defusedxml.DefusedXmlException) as exc:
        raise FlowLoadError(f"Flow {api_name!r} could not be parsed: {exc}") from None
    return _build_flow(root, api_name)


def load_flow_file(path: Path) -> Flow:
    """Load `<ApiName>.flow-meta.xml`; the size is checked before the file is read."""
    name = path.name
    api_name = name[: -len(FLOW_SUFFIX)] if name.endswith(FLOW_SUFFIX) else path.stem
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FlowLoadError(f"Cannot read flow file {path}: {exc.strerror or exc}") from None
    if size > MAX_FLOW_BYTES:
        raise FlowLoadError(
            f"Flow file {path.name} is {size} bytes; the embedded org accepts flow files up to {MAX_FLOW_BYTES} bytes"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FLOW_BYTES + 1)  # bounded even if the file grew after stat()
    except OSError as exc:
        raise FlowLoadError(f"Cannot read flow file {path}: {exc.strerror or exc}") from None
    return parse_flow(data, api_name)


def load_flow_dir(path: Path) -> list[Flow]:
    """Every `*.flow-meta.xml` under `path` (recursive, sorted); a bad file is logged and skipped."""
    flows: list[Flow] = []
    for file in sorted(path.rglob(f"*{FLOW_SUFFIX}")):
        if not file.is_file():
            continue
        try:
            flows.append(load_flow_file(file))
        except FlowLoadError as exc:
            log.warning("Skipping flow file %s: %s", file, exc)
    return flows


# ---- building the model ------------------------------------------------------------------------------------------


def _build_flow(root: XmlElement, api_name: str) -> Flow:
    if root.tag not in (f"{{{METADATA_NS}}}Flow", "Flow"):
        raise FlowLoadError(
            f'Flow {api_name!r}: the root element must be <Flow xmlns="{METADATA_NS}">, found <{x.local(root.tag)}>'
        )
    by_tag: dict[str, list[Any]] = {tag: [] for tag in RESOURCE_PARSERS}
    elements: dict[str, Element] = {}
    counts: dict[str, int] = {}
    start = Start()
    try:
        for node in root:
            tag = x.local(node.tag)
            if tag in RESOURCE_PARSERS:
                by_tag[tag].append(RESOURCE_PARSERS[tag](node))
            elif tag == "start":
                start = parse.parse_start(node)
            elif tag in _PROPERTY_TAGS or x.child(node, "name") is None:
                continue
            else:
                element = parse.parse_element(node, tag)
                if element.name in elements:
                    raise FlowLoadError(f"two elements are named {element.name!r}")
                elements[element.name] = element
                counts[tag] = counts.get(tag, 0) + 1
    except FlowLoadError as exc:
        raise FlowLoadError(f"Flow {api_name!r}: {exc}") from None

    legacy_start = x.text(root, "startElementReference")
    if start.connector is None and legacy_start and legacy_start.strip():
        start = Start(connector=legacy_start.strip())

    resource_names = [resource.name for found in by_tag.values() for resource in found]
    _check_unique(api_name, resource_names, elements)
    _check_connectors(api_name, start, elements)

    process_type = (x.text(root, "processType") or "Flow").strip() or "Flow"
    status = (x.text(root, "status") or "Draft").strip() or "Draft"
    label = (x.text(root, "label") or "").strip() or api_name
    api_version = (x.text(root, "apiVersion") or "").strip() or None
    unsupported = tuple(f"{e.kind}:{e.name}" for e in elements.values() if isinstance(e, UnsupportedElement))
    return Flow(
        api_name=api_name,
        label=label,
        description=x.cleaned(root, "description"),
        process_type=process_type,
        status=status,
        api_version=api_version,
        trigger_type=start.trigger_type,
        trigger_object=start.object,
        variables=tuple(by_tag["variables"]),
        unsupported=unsupported,
        start=start,
        elements=elements,
        constants=tuple(by_tag["constants"]),
        formulas=tuple(by_tag["formulas"]),
        text_templates=tuple(by_tag["textTemplates"]),
        choices=tuple(by_tag["choices"]),
        dynamic_choice_sets=tuple(by_tag["dynamicChoiceSets"]),
        stages=tuple(by_tag["stages"]),
        interview_label=x.cleaned(root, "interviewLabel"),
        run_in_mode=x.cleaned(root, "runInMode"),
        element_counts=counts,
    )


def _check_unique(api_name: str, resource_names: list[str], elements: dict[str, Element]) -> None:
    seen: set[str] = set()
    for name in resource_names:
        if name in seen or name in elements:
            raise FlowLoadError(f"Flow {api_name!r}: the name {name!r} is used twice")
        seen.add(name)


def _targets(element: Element) -> list[str | None]:
    targets = [element.connector, element.fault_connector]
    if isinstance(element, Decision):
        targets += [rule.connector for rule in element.rules] + [element.default_connector]
    if isinstance(element, Loop):
        targets += [element.next_connector, element.no_more_connector]
    return targets


def _check_connectors(api_name: str, start: Start, elements: dict[str, Element]) -> None:
    """A connector to an element that does not exist would never deploy in Salesforce; refuse it at load time."""
    for target in (start.connector, *start.scheduled_path_connectors):
        if target is not None and target not in elements:
            raise FlowLoadError(f"Flow {api_name!r}: the start connects to {target!r}, which is not an element")
    for element in elements.values():
        for target in _targets(element):
            if target is not None and target not in elements:
                raise FlowLoadError(
                    f"Flow {api_name!r}: element {element.name!r} connects to {target!r}, which is not an element"
                )
