"""The e-Box document-sender API, as the night uses it: one publication per letter, exactly once.

`POST <base>/ebox/messages` with an OAuth2 bearer token (client credentials, renewed before it expires and
once more when the e-Box says 401), a multipart body (the `messageToPublish` JSON part and the letter's PDF)
and an `Idempotency-Key` derived from the letter's event key: a second publication of the same letter, after
an answer that was lost, is answered 409 and counts as delivered. Every answer is one of three outcomes:

- delivered: 201 (the message id; `NO_DIGITAL_USER` when the recipient never opened their e-Box) or 409;
- refused: a definitive no for this letter (400, 403, 404, 410, 413, 415, 422: recipient unknown, no e-Box,
  a document the e-Box does not take): the letter goes on paper the same night;
- no answer: 5xx, 408, 429, a timeout, a connection refused, a token that cannot be had: tried again with the
  same key (`TRIES` in this call, then on the next nights), on paper only after the fund's fallback delay.

Messages name the letter and the HTTP status or error, never a secret, a token or a national number.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from correspondence.config import Ebox

DELIVERED, REFUSED, NO_ANSWER = "delivered", "refused", "no answer"
DEFINITIVE = frozenset({400, 403, 404, 410, 413, 415, 422})
TRIES = 3  # per letter and night: a busy e-Box gets a second and a third chance, a dead one costs little
BACKOFF = 0.5  # seconds before the second try, doubled before each next one
TOKEN_MARGIN = 60.0  # seconds: a token this close to its end is renewed before use
CONNECTIONS = 4  # at most, to the e-Box and its token endpoint


@dataclass(frozen=True)
class Answer:
    outcome: str  # delivered | refused | no answer
    detail: str  # what the e-Box said: "201", "409", "201 NO_DIGITAL_USER", "404 RECIPIENT_NOT_FOUND", "timeout"
    message_id: str | None = None


@dataclass(frozen=True)
class Publication:
    """One letter to publish: whose e-Box, under which sender application and message type, with which
    subject (per language), the PDF and its file name."""

    event_key: str
    recipient_type: str  # citizen | enterprise
    recipient_id: str  # national register number | enterprise number (10 digits)
    subject: dict[str, str]
    sender_organization_id: str
    sender_application_id: str
    message_type_id: str
    filename: str
    pdf: bytes


def idempotency_key(event_key: str) -> str:
    """The letter's key for the e-Box: a digest of its stable event key (the same on every rerun and every
    night it is tried), as an RFC 8941 string. No id of the recipient goes into a header."""
    return '"' + hashlib.sha256(event_key.encode("utf-8")).hexdigest()[:40] + '"'


class TokenUnavailable(Exception):
    """The token endpoint gave no token (its answer's status or the error, never the secret)."""


class Client:
    """A connection pool to the e-Box and its token, for one night (`with Client(settings) as ebox:`)."""

    def __init__(self, settings: Ebox, tries: int | None = None, backoff: float | None = None) -> None:
        self.settings = settings
        self.tries = TRIES if tries is None else tries
        self.backoff = BACKOFF if backoff is None else backoff
        self.http = httpx.Client(timeout=httpx.Timeout(settings.timeout),
                                 limits=httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS))
        self._token: str | None = None
        self._token_until = 0.0

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def publish(self, publication: Publication) -> Answer:
        """The e-Box's outcome for this letter, after at most `tries` calls with the same idempotency key."""
        answer = Answer(NO_ANSWER, "not tried")
        for attempt in range(self.tries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            answer = self._once(publication)
            if answer.outcome != NO_ANSWER:
                return answer
        return answer

    def _once(self, publication: Publication) -> Answer:
        try:
            response = self._post(publication, self._bearer())
            if response.status_code == 401:  # expired or revoked before its time: one new token, one more call
                self._token = None
                response = self._post(publication, self._bearer())
        except TokenUnavailable as exc:
            return Answer(NO_ANSWER, f"token: {exc}")
        except httpx.TimeoutException:
            return Answer(NO_ANSWER, "timeout")
        except httpx.HTTPError as exc:
            return Answer(NO_ANSWER, f"connection: {type(exc).__name__}")
        return _outcome(response)

    def _post(self, publication: Publication, token: str) -> httpx.Response:
        message = {
            "recipient": {"eboxType": publication.recipient_type, "eboxIdValue": publication.recipient_id},
            "subject": publication.subject,
            "senderOrganizationId": publication.sender_organization_id,
            "senderApplicationId": publication.sender_application_id,
            "messageTypeId": publication.message_type_id,
            "attachments": [{"httpPartName": "document", "mainContent": True, "attachmentSigned": False}],
            "bodyMainContent": False,
            "replyAuthorized": False,
        }
        files = {
            "messageToPublish": (None, json.dumps(message).encode("utf-8"), "application/json"),
            "document": (publication.filename, publication.pdf, "application/pdf"),
        }
        return self.http.post(f"{self.settings.url}/ebox/messages", files=files, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": idempotency_key(publication.event_key)})

    def _bearer(self) -> str:
        if self._token is not None and time.monotonic() < self._token_until:
            return self._token
        try:
            response = self.http.post(self.settings.token_url, data={"grant_type": "client_credentials"},
                                      auth=(self.settings.client_id, self.settings.secret))
        except httpx.TimeoutException:
            raise TokenUnavailable("timeout") from None
        except httpx.HTTPError as exc:
            raise TokenUnavailable(f"connection: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise TokenUnavailable(f"HTTP {response.status_code}")
        body = _json(response)
        token, lifetime = body.get("access_token"), body.get("expires_in", 300)
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise TokenUnavailable("an answer without an access token")
        self._token, self._token_until = token, time.monotonic() + max(0.0, float(lifetime) - TOKEN_MARGIN)
        return token


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _outcome(response: httpx.Response) -> Answer:
    status, body = response.status_code, _json(response)
    code = body.get("code") if isinstance(body.get("code"), str) else ""
    detail = f"{status} {code[:60]}".strip()
    if status == 201:
        message_id = body.get("id")
        if isinstance(message_id, str) and message_id:
            return Answer(DELIVERED, detail, message_id[:80])
        return Answer(NO_ANSWER, f"{status} without a message id")
    if status == 409:
        message_id = body.get("messageId")
        return Answer(DELIVERED, detail, message_id[:80] if isinstance(message_id, str) and message_id else None)
    if status in DEFINITIVE:
        return Answer(REFUSED, detail)
    return Answer(NO_ANSWER, detail)
