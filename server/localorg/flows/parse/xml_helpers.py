"""Small helpers over ElementTree for Flow metadata (namespace-agnostic lookups, typed child values)."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element as XmlElement

from ..model import Condition, FieldValue, OutputAssignment, Value

METADATA_NS = "http://soap.sforce.com/2006/04/metadata"


class FlowLoadError(Exception):
    """A flow file that cannot be loaded: unsafe, too large, not XML, or not valid Flow metadata."""


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def children(el: XmlElement, tag: str) -> Iterator[XmlElement]:
    for child in el:
        if local(child.tag) == tag:
            yield child


def child(el: XmlElement, tag: str) -> XmlElement | None:
    return next(children(el, tag), None)


def text(el: XmlElement, tag: str) -> str | None:
    node = child(el, tag)
    if node is None:
        return None
    return node.text if node.text is not None else ""


def texts(el: XmlElement, tag: str) -> tuple[str, ...]:
    return tuple((node.text or "").strip() for node in children(el, tag))


def flag(el: XmlElement, tag: str, default: bool = False) -> bool:
    raw = text(el, tag)
    if raw is None:
        return default
    return raw.strip().lower() == "true"


def integer(el: XmlElement, tag: str, where: str) -> int | None:
    raw = text(el, tag)
    if raw is None or not raw.strip():
        return None
    try:
        return int(float(raw.strip()))
    except ValueError:
        raise FlowLoadError(f"{where}: <{tag}> must be a number, got {raw.strip()!r}") from None


def clean(raw: str | None) -> str | None:
    """Text without surrounding whitespace, None when there is none."""
    if raw is None:
        return None
    stripped = raw.strip()
    return stripped or None


def cleaned(el: XmlElement, tag: str) -> str | None:
    """The stripped text of `<tag>`, None when absent or blank."""
    return clean(text(el, tag))


def child_texts(el: XmlElement, tag: str, field: str) -> tuple[str, ...]:
    """The non-blank `<field>` of each `<tag>` child: a screen's field names, a wait's event names, ..."""
    return tuple(found for node in children(el, tag) if (found := cleaned(node, field)))


def data_type(el: XmlElement) -> str:
    """A resource's or transform's <dataType>, String when the file gives none."""
    return (text(el, "dataType") or "String").strip()


def required_text(el: XmlElement, tag: str, where: str) -> str:
    raw = text(el, tag)
    if raw is None or not raw.strip():
        raise FlowLoadError(f"{where}: missing <{tag}>")
    return raw.strip()


def value(el: XmlElement, tag: str) -> Value | None:
    """The typed literal or reference inside `<tag>` (its only child element), or None when absent/empty."""
    node = child(el, tag)
    if node is None:
        return None
    inner = list(node)
    if not inner:
        return None
    first = inner[0]
    kind = local(first.tag)
    raw = first.text or ""
    # References are identifiers; literals keep their text (a string literal may be whitespace on purpose).
    return Value(kind=kind, text=raw.strip() if kind != "stringValue" else raw)


def connector(el: XmlElement, tag: str) -> str | None:
    node = child(el, tag)
    if node is None:
        return None
    target = text(node, "targetReference")
    return target.strip() if target and target.strip() else None


def conditions(el: XmlElement, tag: str, left_tag: str, where: str) -> tuple[Condition, ...]:
    result = []
    for node in children(el, tag):
        left = text(node, left_tag)
        operator = text(node, "operator")
        if left is None or not left.strip() or operator is None or not operator.strip():
            raise FlowLoadError(f"{where}: a <{tag}> needs <{left_tag}> and <operator>")
        right = value(node, "rightValue") if child(node, "rightValue") is not None else value(node, "value")
        result.append(Condition(left=left.strip(), operator=operator.strip(), right=right))
    return tuple(result)


def field_values(el: XmlElement, tag: str, name_tag: str, where: str) -> tuple[FieldValue, ...]:
    result = []
    for node in children(el, tag):
        name = required_text(node, name_tag, where)
        result.append(FieldValue(name=name, value=value(node, "value")))
    return tuple(result)


def output_assignments(el: XmlElement, tag: str, name_tag: str, where: str) -> tuple[OutputAssignment, ...]:
    result = []
    for node in children(el, tag):
        target = text(node, "assignToReference")
        name = text(node, name_tag)
        if not target or not target.strip() or not name or not name.strip():
            continue  # Flow Builder leaves unmapped outputs empty
        result.append(OutputAssignment(name=name.strip(), target=target.strip()))
    return tuple(result)
