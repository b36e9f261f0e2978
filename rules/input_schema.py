"""A rule's JSON input declared once, as data: its fields, their kind of value, required or not, a line each.

The same declaration reads the input (every problem at once, each an `InvalidInput` naming its dotted field
with the domain's own wording), explains it (`field_rows`, for `correspondence decide KIND --help`) and
prints it as JSON Schema draft 2020-12 (`json_schema`). The JSON Schema is the contract for the scripts that
write inputs: an input it accepts is read, except what it cannot express (a day that is not in the calendar,
2026.0 for 2026, a request completed before it was received), which the reading still refuses.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Union

from rules.errors import InvalidInput, InvalidInputs

DRAFT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class Value:
    """A single value: `read(value, field)` returns it parsed or raises `InvalidInput`; `json`: its schema."""

    label: str  # how a person writes it: "a date written YYYY-MM-DD"
    read: Callable[[object, str], Any]
    json: Mapping[str, Any]


@dataclass(frozen=True)
class Field:
    name: str
    shape: Shape
    description: str  # one line: what the value is, for the rule
    required: bool = True  # the key must be there (a `nullable` one may hold null)
    nullable: bool = False  # null is accepted, read as None; an absent optional field is None too


@dataclass(frozen=True)
class RequiredWhen:
    """`field` must be given, not null, when `when` is given (and, with `equals`, holds that value)."""

    field: str
    when: str
    equals: object = None
    # Read as "is required when payments are given" in an error and "required when …" in the help.
    because: str = ""

    @property
    def condition(self) -> str:
        if self.because:
            return self.because
        if self.equals is None:
            return f"when {self.when} is given"
        return f"when {self.when} is {self.equals!r}"

    @property
    def reason(self) -> str:
        return f"is required {self.condition}"


# A check the JSON Schema cannot express, on an object's fields that were read fine (the others are absent
# from the mapping): the (field, reason) of every problem.
Check = Callable[[Mapping[str, Any]], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Obj:
    """A JSON object with exactly these fields; `build(**fields)` makes its value (a dict without it)."""

    fields: tuple[Field, ...]
    label: str = "an object"
    description: str = ""
    required_when: tuple[RequiredWhen, ...] = ()
    checks: tuple[Check, ...] = ()
    build: Callable[..., Any] | None = None
    examples: tuple[Mapping[str, Any], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True)
class ListOf:
    item: Shape
    label: str  # "a list of payments"
    build: Callable[[list[Any]], Any] = tuple


@dataclass(frozen=True)
class MapOf:
    """A JSON object whose keys are read by `key` (e.g. quarters written YYYY-Qn) and values by `value`."""

    key: Value
    value: Shape
    label: str
    build: Callable[[dict[Any, Any]], Any] = dict


Shape = Union[Value, Obj, ListOf, MapOf]


class _Invalid:
    """A value that could not be read (its problems are already reported)."""


INVALID: Any = _Invalid()


def read_input(shape: Obj, payload: object) -> dict[str, Any]:
    """The input read by its declaration; `InvalidInputs` (an `InvalidInput`) holding every problem found."""
    problems: list[InvalidInput] = []
    value = _read(shape, payload, "", problems)
    if problems:
        raise InvalidInputs(problems)
    return value


def _read(shape: Shape, raw: object, path: str, problems: list[InvalidInput]) -> Any:
    where = path or "payload"
    if isinstance(shape, Value):
        try:
            return shape.read(raw, where)
        except InvalidInput as exc:
            problems.append(exc)
            return INVALID
    if isinstance(shape, ListOf):
        if not isinstance(raw, list):
            problems.append(InvalidInput(where, f"must be {shape.label}, got {kind_of(raw)}"))
            return INVALID
        items = [_read(shape.item, item, f"{path}[{index}]", problems) for index, item in enumerate(raw)]
        return INVALID if any(item is INVALID for item in items) else shape.build(items)
    if isinstance(shape, MapOf):
        if not isinstance(raw, Mapping):
            problems.append(InvalidInput(where, f"must be {shape.label}, got {kind_of(raw)}"))
            return INVALID
        entries = {}
        for key, item in raw.items():
            inner = f"{path}.{key}"
            label = _read(shape.key, key, inner, problems)
            entries[key] = _read(shape.value, item, inner, problems)
            if label is INVALID:
                entries[key] = INVALID
        return INVALID if any(v is INVALID for v in entries.values()) else shape.build(entries)
    return _read_object(shape, raw, path, problems)


def _read_object(shape: Obj, raw: object, path: str, problems: list[InvalidInput]) -> Any:
    if not isinstance(raw, Mapping):
        problems.append(InvalidInput(path or "payload", f"must be {_object_with(shape)}, got {kind_of(raw)}"))
        return INVALID
    prefix = f"{path}." if path else ""
    before = len(problems)
    values: dict[str, Any] = {}
    for spec in shape.fields:
        if spec.name not in raw:
            if spec.required:
                inner = f" ({_object_with(spec.shape)})" if isinstance(spec.shape, Obj) else ""
                problems.append(InvalidInput(prefix + spec.name, f"is missing{inner}"))
            values[spec.name] = INVALID if spec.required else None
        elif raw[spec.name] is None and spec.nullable:
            values[spec.name] = None
        else:
            values[spec.name] = _read(spec.shape, raw[spec.name], prefix + spec.name, problems)
    for rule in shape.required_when:
        target = values.get(rule.field)
        if (rule.when in raw and (rule.equals is None or raw[rule.when] == rule.equals)
                and target is None):
            problems.append(InvalidInput(prefix + rule.field, rule.reason))
            values[rule.field] = INVALID
    read_fine = {name: value for name, value in values.items() if value is not INVALID}
    for check in shape.checks:
        for name, reason in check(read_fine):
            problems.append(InvalidInput(prefix + name, reason))
    for key in raw:
        if key not in values:
            problems.append(InvalidInput(prefix + str(key), unknown_field(str(key), shape.names)))
    if len(problems) > before:
        return INVALID
    return shape.build(**values) if shape.build else values


def _object_with(shape: Obj) -> str:
    return f"an object with {', '.join(shape.names)}"


def unknown_field(key: str, names: tuple[str, ...]) -> str:
    near = difflib.get_close_matches(key, names, n=1)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return f"unknown field: {hint}expected {', '.join(names)}"


def kind_of(value: object) -> str:
    """The JSON name of a value's kind, for "got …" in a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    for kinds, name in (((str,), "text"), ((int, float), "a number"), ((list, tuple), "a list"),
                        ((Mapping,), "an object")):
        if isinstance(value, kinds):
            return name
    return type(value).__name__


# -- JSON Schema ----------------------------------------------------------------------------------------


def json_schema(shape: Obj, title: str) -> dict[str, Any]:
    """The declaration as a JSON Schema (draft 2020-12), with its description and examples."""
    out: dict[str, Any] = {"$schema": DRAFT, "title": title}
    if shape.description:
        out["description"] = shape.description
    out.update(_json(shape))
    if shape.examples:
        out["examples"] = [dict(example) for example in shape.examples]
    return out


def _json(shape: Shape) -> dict[str, Any]:
    if isinstance(shape, Value):
        return dict(shape.json)
    if isinstance(shape, ListOf):
        return {"type": "array", "items": _json(shape.item)}
    if isinstance(shape, MapOf):
        return {"type": "object", "propertyNames": dict(shape.key.json),
                "additionalProperties": _json(shape.value)}
    properties = {}
    for spec in shape.fields:
        inner = _json(spec.shape)
        if spec.nullable:
            inner = {"anyOf": [inner, {"type": "null"}]}
        properties[spec.name] = {"description": spec.description, **inner}
    out: dict[str, Any] = {"type": "object", "properties": properties,
                           "required": [f.name for f in shape.fields if f.required],
                           "additionalProperties": False}
    conditions = []
    for rule in shape.required_when:
        given: dict[str, Any] = {"required": [rule.when]}
        if rule.equals is not None:
            given["properties"] = {rule.when: {"const": rule.equals}}
        conditions.append({"if": given, "then": {"required": [rule.field],
                                                 "properties": {rule.field: {"not": {"type": "null"}}}}})
    if conditions:
        out["allOf"] = conditions
    return out


# -- help -----------------------------------------------------------------------------------------------


def field_rows(shape: Obj, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted name, one line) for every field, nested ones after their parent: `payments[].amount`."""
    rows = []
    for spec in shape.fields:
        name = prefix + spec.name
        need = "required" if spec.required else "optional"
        for rule in shape.required_when:
            if rule.field == spec.name:
                need += f", {'not null' if spec.required else 'required'} {rule.condition}"
        label = spec.shape.label + (", or null" if spec.nullable else "")
        rows.append((name, f"{spec.description[:1].upper()}{spec.description[1:]} — {label}; {need}."))
        inner = spec.shape
        if isinstance(inner, ListOf):
            inner, name = inner.item, name + "[]"
        if isinstance(inner, Obj):
            rows.extend(field_rows(inner, name + "."))
    return rows
