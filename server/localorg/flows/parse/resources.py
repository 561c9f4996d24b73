"""Parsers for the flow's resources: variables, constants, formulas, text templates, choices, dynamic choice sets
and stages (one small function per metadata tag)."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element as XmlElement

from ..model import Choice, Constant, DynamicChoiceSet, FlowVariable, Formula, Stage, TextTemplate
from . import xml_helpers as x
from .xml_helpers import FlowLoadError

__all__ = [
    "parse_choice",
    "parse_constant",
    "parse_dynamic_choice_set",
    "parse_formula",
    "parse_stage",
    "parse_text_template",
    "parse_variable",
]


def parse_variable(el: XmlElement) -> FlowVariable:
    name = x.required_text(el, "name", "<variables>")
    where = f"variable '{name}'"
    return FlowVariable(
        name=name,
        data_type=x.required_text(el, "dataType", where),
        is_input=x.flag(el, "isInput"),
        is_output=x.flag(el, "isOutput"),
        is_collection=x.flag(el, "isCollection"),
        object_type=x.cleaned(el, "objectType"),
        apex_class=x.cleaned(el, "apexClass"),
        scale=x.integer(el, "scale", where),
        description=x.cleaned(el, "description"),
        default=x.value(el, "value"),
    )


def _typed_value(el: XmlElement) -> dict[str, Any]:
    """The data type and literal value of a constant or choice."""
    return {"data_type": x.data_type(el), "value": x.value(el, "value")}


def parse_constant(el: XmlElement) -> Constant:
    name = x.required_text(el, "name", "<constants>")
    return Constant(name=name, **_typed_value(el), description=x.cleaned(el, "description"))


def parse_formula(el: XmlElement) -> Formula:
    name = x.required_text(el, "name", "<formulas>")
    where = f"formula '{name}'"
    expression = x.text(el, "expression")
    if expression is None:
        raise FlowLoadError(f"{where}: missing <expression>")
    return Formula(
        name=name,
        data_type=x.data_type(el),
        expression=expression,
        scale=x.integer(el, "scale", where),
        description=x.cleaned(el, "description"),
    )


def parse_text_template(el: XmlElement) -> TextTemplate:
    name = x.required_text(el, "name", "<textTemplates>")
    return TextTemplate(
        name=name,
        text=x.text(el, "text") or "",
        plain_text=x.flag(el, "isViewedAsPlainText"),
        description=x.cleaned(el, "description"),
    )


def parse_choice(el: XmlElement) -> Choice:
    name = x.required_text(el, "name", "<choices>")
    return Choice(name=name, **_typed_value(el), choice_text=x.cleaned(el, "choiceText"))


def parse_dynamic_choice_set(el: XmlElement) -> DynamicChoiceSet:
    name = x.required_text(el, "name", "<dynamicChoiceSets>")
    return DynamicChoiceSet(name=name, data_type=x.cleaned(el, "dataType"), object=x.cleaned(el, "object"))


def parse_stage(el: XmlElement) -> Stage:
    name = x.required_text(el, "name", "<stages>")
    order = x.integer(el, "stageOrder", f"stage '{name}'")
    return Stage(
        name=name,
        label=x.cleaned(el, "label") or name,
        is_active=x.flag(el, "isActive"),
        order=0 if order is None else order,
    )
