"""A field holding a list (claims.csv `documents`, `;`-separated): each item checked at import, so a document
the rules do not know is named on its row (`claims.csv:4: documents: …`), not quarantined at night."""

from __future__ import annotations

import pytest

from correspondence import fields
from correspondence.importing import SPECS

DOCUMENTS = next(spec for spec in SPECS if spec.name == "claims.csv").columns["documents"]


@pytest.mark.parametrize(("value", "parsed"), [
    ("", ""),
    ("medical_certificate", "medical_certificate"),
    ("medical_certificate;sworn_statement", "medical_certificate;sworn_statement"),
    (" sworn_statement ; medical_certificate;", "sworn_statement;medical_certificate"),  # spaces, an empty item
])
def test_the_documents_received(value: str, parsed: str) -> None:
    assert DOCUMENTS(value) == parsed


@pytest.mark.parametrize(("value", "message"), [
    ("medical_certificate;bogus", "'bogus' is not one of medical_certificate, sworn_statement (';'-separated)"),
    ("medical_certificate,sworn_statement", "'medical_certificate,sworn_statement' is not one of"),  # a comma
    ("x" * 201, "is 201 characters long, at most 200 fit"),
])
def test_a_document_the_rules_do_not_know_is_named(value: str, message: str) -> None:
    with pytest.raises(fields.FieldError, match=message.replace("(", r"\(").replace(")", r"\)")):
        DOCUMENTS(value)
