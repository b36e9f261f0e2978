"""The inputs of `decide`, declared once (rules/input_schema.py): every problem of an input reported at once,
the declaration printed as a valid JSON Schema that agrees with the reading, kinds checked with a hint."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from rules.decide import KINDS, decide, input_of, schema, unknown_kind
from rules.errors import InvalidInput, InvalidInputs, RuleError
from rules.input_schema import Field, ListOf, Obj, field_rows

GOOD: dict[str, dict[str, Any]] = {kind: dict(input_of(kind).examples[0]) for kind in KINDS}


def problems(kind: str, payload: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        decide(kind, payload)  # type: ignore[arg-type]
    return [(p.field, p.reason) for p in getattr(caught.value, "problems", (caught.value,))]


def changed(kind: str, **changes: Any) -> dict[str, Any]:
    """The kind's example with dotted fields replaced (or removed, for DROP)."""
    data = copy.deepcopy(GOOD[kind])
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        target = data
        for key in path:
            target = target[key]
        if value is DROP:
            target.pop(last, None)
        else:
            target[last] = value
    return data


DROP = object()


def _required(shape: Obj, prefix: str = "") -> list[str]:
    names = []
    for spec in shape.fields:
        if spec.required:
            names.append(prefix + spec.name)
            if isinstance(spec.shape, Obj):
                names.extend(_required(spec.shape, f"{prefix}{spec.name}."))
    return names


@pytest.mark.parametrize(("kind", "missing"), [
    ("contribution", ["year", "status", "income", "fee_rate"]),
    ("surcharges", ["contribution", "payments", "as_of"]),
    ("company_contribution", ["year", "balance_sheet_total", "incorporated_on"]),
    ("mantelzorg", ["applicant", "request"]),
])
def test_an_empty_input_names_every_required_field(kind: str, missing: list[str]) -> None:
    found = problems(kind, {})
    assert [field for field, _ in found] == missing
    assert all(reason.startswith("is missing") for _, reason in found)
    # a missing object names its own fields: nothing required is left unsaid
    said = " ".join(f"{field} {reason}" for field, reason in found)
    assert all(name.rsplit(".", 1)[-1] in said for name in _required(input_of(kind)))


def test_empty_objects_inside_name_every_required_field_inside() -> None:
    found = problems("mantelzorg", {"applicant": {}, "request": {}})
    assert [field for field, _ in found] == [n for n in _required(input_of("mantelzorg")) if "." in n]
    assert "request.completed_on" not in dict(found)  # optional


# Several wrong fields at once: every one named, in the order of the declaration, unknown fields last; each
# is also refused by the JSON Schema at the same place, unless marked (what JSON Schema cannot say).
SEVERAL = [
    ("contribution", {"year": "2026", "status": "mian", "incme": "4.00", "fee_rate": 0.0305},
     [("year", "must be a year as a whole number"), ("status", "did you mean 'main'?"),
      ("income", "is missing"), ("fee_rate", 'must be a fraction written as text, e.g. "0.0305"'),
      ("incme", "unknown field: did you mean 'income'?")]),
    ("contribution", {"year": 1850, "status": "main", "income": 45000.5, "fee_rate": "3.05"},
     [("year", "1850 is not a plausible year"), ("income", "must be a decimal amount written as text"),
      ("fee_rate", "must be a fraction from 0 to below 1")]),
    ("surcharges", changed("surcharges", contribution__quarter=5, contribution__amount="-1.00",
                           payments=[{"received_on": "2026-5-10", "amount": "0"},
                                     {"amount": "1.00", "by": "x"}],
                           as_of=None, judicial_collection_on=20261110),
     [("contribution.quarter", "must be 1, 2, 3 or 4, got 5"),
      ("contribution.amount", "must not be negative"),
      ("payments[0].received_on", "must be a date written YYYY-MM-DD"),
      ("payments[0].amount", "must be more than 0.00"), ("payments[1].received_on", "is missing"),
      ("payments[1].by", "unknown field"), ("as_of", "must be a date written YYYY-MM-DD, got None"),
      ("judicial_collection_on", "must be a date written YYYY-MM-DD")]),
    ("company_contribution", {"year": 2025.0, "balance_sheet_total": "1.234", "incorporated_on": "2019-02-29",
                              "payments": [], "legal_form": "BV"},
     [("year", "must be a year"), ("balance_sheet_total", "has more than two decimals"),
      ("incorporated_on", "is not a date in the calendar"), ("as_of", "is required when payments are given"),
      ("legal_form", "unknown field")]),
    ("mantelzorg", changed("mantelzorg", applicant__status="boss", applicant__quarters={"2025-Q5": "paid"},
                           applicant__other_benefit=DROP, request__months="3", request__mode="ful",
                           request__care_recipient="relative", request__documents=["photo"],
                           request__completed_on="2026-02-19"),
     [("applicant.status", "must be one of main"), ("applicant.quarters.2025-Q5", "is not a quarter written"),
      ("applicant.other_benefit", "is missing"), ("request.months", "must be a whole number of months"),
      ("request.mode", "did you mean 'full'?"),
      ("request.documents[0]", "must be one of medical_certificate"),
      ("request.relative_degree", "is required when care_recipient is 'relative'"),
      ("request.completed_on", "is before the request was received")]),
]
# What the JSON Schema cannot express: a day outside the calendar, 2025.0 for a year, a completion before the
# request, more than two decimals of an amount given as a number.
NOT_IN_SCHEMA = {"incorporated_on", "year", "request.completed_on"}


@pytest.mark.parametrize(("kind", "payload", "expected"), SEVERAL)
def test_every_problem_is_reported_at_once(kind: str, payload: dict[str, Any],
                                           expected: list[tuple[str, str]]) -> None:
    found = problems(kind, payload)
    assert [field for field, _ in found] == [field for field, _ in expected], found
    for (_, reason), (_, fragment) in zip(found, expected):
        assert fragment in reason


@pytest.mark.parametrize(("kind", "payload", "expected"), SEVERAL)
def test_the_json_schema_refuses_the_same_fields(kind: str, payload: dict[str, Any],
                                                  expected: list[tuple[str, str]]) -> None:
    validator = jsonschema.Draft202012Validator(schema(kind))
    refused = " ".join(_where(error) for error in validator.iter_errors(payload))
    for field, _ in expected:
        if field not in NOT_IN_SCHEMA:
            assert _leaf(field) in refused, (field, refused)


def _where(error: jsonschema.ValidationError) -> str:
    """The fields an error is about: its path, and the names in its message (a missing or unknown one)."""
    return ".".join(str(p) for p in error.absolute_path) + " " + error.message


def _leaf(field: str) -> str:
    return field.rsplit(".", 1)[-1].split("[")[0]


def test_all_problems_make_one_line_that_names_them_all() -> None:
    with pytest.raises(InvalidInputs) as caught:
        decide("contribution", {})
    error = caught.value
    assert (error.field, error.reason) == ("year", "is missing")
    assert str(error) == "year: is missing; status: is missing; income: is missing; fee_rate: is missing"
    assert "\n" not in str(error)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_json_schema_is_draft_2020_12_and_its_examples_are_decided(kind: str) -> None:
    printed = schema(kind)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed["examples"]
    for example in printed["examples"]:
        jsonschema.Draft202012Validator(printed).validate(example)
        assert decide(kind, example)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_json_schema_has_every_declared_field_with_its_description(kind: str) -> None:
    def walk(shape: Obj, printed: dict[str, Any]) -> None:
        assert printed["additionalProperties"] is False
        assert printed["required"] == [f.name for f in shape.fields if f.required]
        for spec in shape.fields:
            inner = printed["properties"][spec.name]
            assert inner["description"] == spec.description
            sub: Any = spec.shape.item if isinstance(spec.shape, ListOf) else spec.shape
            if isinstance(sub, Obj):
                body = inner["items"] if isinstance(spec.shape, ListOf) else inner
                walk(sub, body)

    walk(input_of(kind), schema(kind))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_help_rows_cover_every_field_once(kind: str) -> None:
    rows = field_rows(input_of(kind))
    names = [name for name, _ in rows]
    assert len(names) == len(set(names))
    assert all(text.endswith((" required.", " optional.")) or " when " in text for _, text in rows)
    top = {name for name in names if "." not in name}
    assert top == set(input_of(kind).names)


@pytest.mark.parametrize(("kind", "says"), [
    ("horoscope", "unknown kind 'horoscope': choose one of company_contribution, contribution, mantelzorg, "
                  "surcharges"),
    ("contributon", "unknown kind 'contributon' (did you mean 'contribution'?): choose one of"),
    ("surcharge", "(did you mean 'surcharges'?)"),
    ("Mantelzorg", "(did you mean 'mantelzorg'?)"),
])
def test_an_unknown_kind_names_the_kinds_and_the_near_one(kind: str, says: str) -> None:
    assert says in unknown_kind(kind)
    with pytest.raises(RuleError, match="unknown kind") as caught:
        decide(kind, {})
    assert not isinstance(caught.value, InvalidInput)


def test_a_help_line_is_the_description_then_the_value() -> None:
    """The help's line is the declaration's: a field's description and value read as one sentence."""
    shape = Obj(fields=(Field("when", input_of("contribution").fields[0].shape, "the day it happened"),))
    assert field_rows(shape) == [("when", "The day it happened — a year, e.g. 2026; required.")]
