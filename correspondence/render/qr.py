"""The EPC (SEPA) 'scan to pay' QR code: one matrix per payment, drawn as SVG or as PDF path operators.

The mask is fixed instead of chosen by segno's penalty scoring: any of the eight masks is a valid QR code
(ISO/IEC 18004 leaves the choice to the encoder), and scoring all eight cost ~7 ms of a letter's ~9 ms.
Both renderers (WeasyPrint through the SVG data URI, the stamped path through `pdf_path`) draw the same
matrix, so a letter's QR code does not depend on which path printed it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

import segno
from segno import helpers as segno_helpers

MASK = 2  # fixed: see the module docstring
_DARK_RUN = re.compile(b"[^\x00]+")  # a run of dark modules in a row of segno's matrix (0 is light)


def epc_payload(payment: Mapping[str, Any]) -> str:
    """The EPC069-12 text: UTF-8, the structured reference's digits, the fund's BIC, name and IBAN."""
    reference = "".join(ch for ch in payment["reference"] if ch.isdigit())
    # segno's own EPC builder (validation of IBAN, amount, name length) without its QR encoding.
    data = segno_helpers._make_epc_qr_data(  # noqa: SLF001 - the builder segno's make_epc_qr uses
        payment["beneficiary"][:70], payment["iban"], Decimal(payment["amount"]), None, reference,
        payment["bic"], None, "utf-8")
    return data.decode("utf-8") if isinstance(data, bytes) else data


@lru_cache(maxsize=256)
def matrix(payload: str) -> segno.QRCode:
    # Level M is what EPC069-12 prescribes; boost_error would change it. The payload's header declares UTF-8
    # (character set 1), so its bytes must be UTF-8: left to itself segno writes a text that fits Latin-1 in
    # Latin-1, and a banking app shows "Selbst?ndige" for the fund's German name.
    return segno.make_qr(payload, error="m", boost_error=False, mask=MASK, encoding="utf-8")


def svg_data_uri(payload: str) -> str:
    return matrix(payload).svg_data_uri(border=0, dark="#000")


def pdf_path(payload: str, x: float, y: float, size: float) -> str:
    """Fill operators drawing the code's dark modules in the square (x, y, size), y growing downwards: one
    rectangle per run of dark modules in a row, in module units under one scaling (whole numbers print
    several times faster than coordinates, and a letter's overlay is mostly its QR code)."""
    rows = matrix(payload).matrix
    module = size / len(rows)
    ops = [f"q {module:.5f} 0 0 {module:.5f} {x:.3f} {y:.3f} cm 0 0 0 rg"]
    for r, row in enumerate(rows):
        ops.extend(f"{run.start()} {r} {run.end() - run.start()} 1 re" for run in _DARK_RUN.finditer(bytes(row)))
    return "\n".join(ops) + "\nf Q\n"
