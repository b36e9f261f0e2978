"""The e-Box double keeps the documented contract, so a client that passes against it speaks the real API: a
token only for the right credentials, 201 once per idempotency key and 409 after, 400 for every malformed
publication, and the failure modes (failing, answer lost after publishing, hanging) behave as described."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from ebox_double import EboxDouble, sf_string

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CITIZEN = "85073003328"
ENTERPRISE = "0403170701"
CREDENTIALS = ("fund-client", "fund-secret")


@pytest.fixture
def ebox() -> Iterator[EboxDouble]:
    with EboxDouble() as double:
        yield double


def token(ebox: EboxDouble) -> str:
    answer = httpx.post(ebox.token_url, data={"grant_type": "client_credentials"}, auth=CREDENTIALS, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def message(**changes: Any) -> dict[str, Any]:
    """A valid messageToPublish for one letter, with `changes` laid over it."""
    body = {"recipient": {"eboxType": "citizen", "eboxIdValue": CITIZEN},
            "subject": {"nl": "Herinnering", "fr": "Rappel"},
            "senderApplicationId": "fund-letters", "messageTypeId": "reminder",
            "attachments": [{"httpPartName": "letter", "mainContent": True}]}
    return {**body, **changes}


def publish(ebox: EboxDouble, bearer: str, key: str | None = '"k1"', body: Any = None,
            parts: dict[str, Any] | None = None, timeout: float = 5) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}  # no token: no header at all
    if key is not None:
        headers["Idempotency-Key"] = key
    raw = body if isinstance(body, str) else json.dumps(message() if body is None else body)
    files = {"messageToPublish": (None, raw, "application/json"), "letter": ("letter.pdf", PDF, "application/pdf"),
             **(parts or {})}
    return httpx.post(ebox.base_url + "/ebox/messages", headers=headers, files=files, timeout=timeout)


@pytest.mark.parametrize(("how", "status", "error"), [
    ({"auth": CREDENTIALS, "data": {"grant_type": "client_credentials"}}, 200, None),
    ({"data": {"grant_type": "client_credentials", "client_id": "fund-client", "client_secret": "fund-secret"}},
     200, None),
    ({"auth": ("fund-client", "wrong"), "data": {"grant_type": "client_credentials"}}, 401, "invalid_client"),
    ({"data": {"grant_type": "client_credentials"}}, 401, "invalid_client"),
    ({"auth": CREDENTIALS, "data": {"grant_type": "password"}}, 400, "unsupported_grant_type"),
])
def test_token(ebox: EboxDouble, how: dict[str, Any], status: int, error: str | None) -> None:
    answer = httpx.post(ebox.token_url, timeout=5, **how)
    assert answer.status_code == status
    if error:
        assert answer.json() == {"error": error}
    else:
        assert answer.json()["token_type"] == "Bearer" and answer.json()["expires_in"] == 3600
    assert ebox.token_requests == 1


def test_publish_once_then_409_with_the_same_id(ebox: EboxDouble) -> None:
    bearer = token(ebox)
    first = publish(ebox, bearer)
    assert first.status_code == 201
    again = publish(ebox, bearer)
    assert again.status_code == 409
    assert again.json() == {"code": "ALREADY_PUBLISHED", "messageId": first.json()["id"]}
    stored = ebox.published["k1"]
    assert (stored.message_id, stored.recipient_type, stored.recipient_id) == (first.json()["id"], "citizen", CITIZEN)
    assert (stored.pdf, stored.filename, stored.content_type) == (PDF, "letter.pdf", "application/pdf")
    assert stored.subject == {"nl": "Herinnering", "fr": "Rappel"} and stored.message_type_id == "reminder"
    assert ebox.answers == [("k1", 201), ("k1", 409)]


def test_message_as_a_json_file_part_and_an_enterprise(ebox: EboxDouble) -> None:
    body = json.dumps(message(recipient={"eboxType": "enterprise", "eboxIdValue": ENTERPRISE}))
    answer = publish(ebox, token(ebox), parts={"messageToPublish": ("message.json", body, "application/json")})
    assert answer.status_code == 201
    assert ebox.published["k1"].recipient_id == ENTERPRISE


NOT_PDF = ("letter.pdf", b"hello", "application/pdf")
# (Idempotency-Key header, messageToPublish, extra or replaced parts, what the 400 message says)
INVALID = [
    (None, None, None, "Idempotency-Key missing"),
    ("k1", None, None, "Idempotency-Key missing"),
    ('"k1', None, None, "Idempotency-Key missing"),
    ('"k1"', "not json", None, "not JSON"),
    ('"k1"', message(recipient={"eboxType": "citizen", "eboxIdValue": "8507300332"}), None, "eboxIdValue"),
    ('"k1"', message(recipient={"eboxType": "enterprise", "eboxIdValue": "2403170701"}), None, "eboxIdValue"),
    ('"k1"', message(recipient={"eboxType": "person", "eboxIdValue": CITIZEN}), None, "eboxType"),
    ('"k1"', message(subject={}), None, "subject"),
    ('"k1"', message(subject={"es": "Recordatorio"}), None, "subject"),
    ('"k1"', message(senderApplicationId=""), None, "senderApplicationId"),
    ('"k1"', message(messageTypeId=None), None, "messageTypeId"),
    ('"k1"', message(attachments=[]), None, "attachments"),
    ('"k1"', message(attachments=[{"httpPartName": "letter"}]), None, "mainContent"),
    ('"k1"', message(attachments=[{"httpPartName": "letter", "mainContent": True},
                                  {"httpPartName": "annex", "mainContent": True}]), None, "mainContent"),
    ('"k1"', message(attachments=[{"httpPartName": "annex", "mainContent": True}]), None, "'annex'"),
    ('"k1"', None, {"letter": NOT_PDF}, "application/pdf"),
    ('"k1"', None, {"letter": ("letter.pdf", PDF, "text/plain")}, "application/pdf"),
    ('"k1"', None, {"letter": (None, PDF, "application/pdf")}, "without filename"),
]


@pytest.mark.parametrize(("key", "body", "parts", "says"), INVALID)
def test_invalid_publication_400(ebox: EboxDouble, key: str | None, body: Any, parts: Any, says: str) -> None:
    answer = publish(ebox, token(ebox), key=key, body=body, parts=parts)
    assert answer.status_code == 400
    assert answer.json()["code"] == "INVALID_INPUT" and says in answer.json()["message"]
    assert ebox.published == {}


def test_unknown_and_never_visited_recipients(ebox: EboxDouble) -> None:
    ebox.unknown.add(CITIZEN)
    bearer = token(ebox)
    assert publish(ebox, bearer).json()["code"] == "RECIPIENT_NOT_FOUND"
    ebox.unknown.clear()
    ebox.never_visited.add(CITIZEN)
    answer = publish(ebox, bearer)
    assert answer.status_code == 201 and answer.json()["code"] == "NO_DIGITAL_USER"
    assert ebox.answers == [("k1", 404), ("k1", 201)] and "k1" in ebox.published


@pytest.mark.parametrize("spoil", ["no token", "bogus", "expired", "short ttl"])
def test_unauthorized(spoil: str) -> None:
    with EboxDouble(token_ttl=0 if spoil == "short ttl" else 3600) as ebox:
        bearer = {"no token": "", "bogus": "made-up"}[spoil] if spoil in ("no token", "bogus") else token(ebox)
        if spoil == "expired":
            ebox.expire_tokens()
        answer = publish(ebox, bearer)
        assert (answer.status_code, answer.json()) == (401, {"code": "UNAUTHORIZED"})
        assert ebox.published == {}


def test_fail_once_then_ok(ebox: EboxDouble) -> None:
    bearer = token(ebox)
    ebox.fail(500, times=1)
    failed = publish(ebox, bearer)
    assert (failed.status_code, failed.json()) == (500, {"code": "INTERNAL_ERROR"})
    assert ebox.published == {}
    assert publish(ebox, bearer).status_code == 201
    ebox.fail(503)
    assert [publish(ebox, bearer, key=f'"k{n}"').status_code for n in (2, 3)] == [503, 503]
    ebox.ok()
    assert publish(ebox, bearer, key='"k4"').status_code == 201


def test_answer_lost_after_publishing_then_retry_409(ebox: EboxDouble) -> None:
    bearer = token(ebox)
    ebox.fail_after_publishing()
    lost = publish(ebox, bearer)
    assert lost.status_code == 500 and "k1" in ebox.published
    retry = publish(ebox, bearer)
    assert (retry.status_code, retry.json()["messageId"]) == (409, ebox.published["k1"].message_id)


def test_hang_shorter_than_the_timeout_still_publishes(ebox: EboxDouble) -> None:
    bearer = token(ebox)
    ebox.hang(0.3, times=1)
    started = time.monotonic()
    assert publish(ebox, bearer, timeout=5).status_code == 201
    assert time.monotonic() - started >= 0.3
    ebox.hang(2, times=1)
    with pytest.raises(httpx.TimeoutException):
        publish(ebox, bearer, key='"k2"', timeout=0.2)


def test_stop_does_not_wait_for_a_hang() -> None:
    ebox = EboxDouble().start()
    bearer = token(ebox)
    ebox.hang(30)
    client = threading.Thread(target=lambda: publish(ebox, bearer, timeout=10), daemon=True)
    client.start()
    time.sleep(0.2)
    started = time.monotonic()
    ebox.stop()
    assert time.monotonic() - started < 1.5


def test_other_paths_404(ebox: EboxDouble) -> None:
    assert httpx.get(ebox.base_url + "/ebox/messages", timeout=5).status_code == 404
    assert httpx.post(ebox.base_url + "/ebox/other", timeout=5).status_code == 404


@pytest.mark.parametrize(("header", "key"), [
    ('"k1"', "k1"), (' "a b" ', "a b"), (r'"say \"hi\" \\"', 'say "hi" \\'), ('""', ""),
    ("k1", None), ('"k1', None), ('"a"b"', None), (r'"\n"', None), ('"é"', None), (None, None),
])
def test_sf_string(header: str | None, key: str | None) -> None:
    assert sf_string(header) == key
