"""The EPC 'scan to pay' code carries exactly the bytes its header promises: UTF-8 (character set 1).

Read back with zbar as raw bytes, the way a banking app's scanner reads it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from correspondence.render import qr

PAYMENT = {"reference": "+++000/0088/26491+++", "iban": "BE71096123456769", "bic": "GKCCBEBB", "amount": "4982.17"}


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools is not installed (.ci/run installs it)")
@pytest.mark.parametrize("beneficiary", [
    "Zelfstandig Samen vzw",  # ASCII: the same bytes in any encoding
    "Indépendants Ensemble, caisse d'assurances sociales asbl",
    "Selbständige Zusammen VoG",
    "Caisse Ü-Ç-Ø",
])
def test_the_code_holds_the_payload_in_utf8(tmp_path: Path, beneficiary: str) -> None:
    payload = qr.epc_payload({**PAYMENT, "beneficiary": beneficiary})
    assert payload.split("\n")[2] == "1"  # the header: character set 1, UTF-8
    png = tmp_path / "code.png"
    qr.matrix(payload).save(str(png), scale=4)
    read = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", str(png)], check=True, capture_output=True).stdout
    assert read.rstrip(b"\n") == payload.encode("utf-8")
