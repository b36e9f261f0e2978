"""A local double of the government's e-Box document-sender REST API, for tests of the fund's e-Box client.

The real service cannot be called from a test: it publishes into citizens' and enterprises' e-Boxes. This
double follows its documented contract (an OAuth2 client-credentials token, then a multipart publication
carrying an Idempotency-Key) on 127.0.0.1 in a background thread, so the client is tested over real HTTP
rather than against mocks. It is strict on purpose — a request the real service would refuse is refused
here too — and it can be told to fail, to lose its answer after publishing, or to hang, so the night's
retries can be shown to publish every letter exactly once.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

LANGUAGES = {"nl", "fr", "de", "en"}
RECIPIENT_ID = {"citizen": re.compile(r"\d{11}"), "enterprise": re.compile(r"[01]\d{9}")}


@dataclass
class Publication:
    """One message the double accepted, with its main content (the letter's PDF) as it arrived."""

    key: str
    message_id: str
    recipient_type: str
    recipient_id: str
    subject: dict[str, str]
    sender_application_id: str
    message_type_id: str
    filename: str
    pdf: bytes
    content_type: str


class Invalid(Exception):
    """A request the real service would refuse with 400 INVALID_INPUT; the message says what was wrong."""


class _Quiet(WSGIRequestHandler):
    """Werkzeug's handler without its line per request, which would only clutter a failing test's output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def sf_string(value: str | None) -> str | None:
    """The text of an RFC 8941 sf-string (`"..."`, with `\\"` and `\\\\` escapes), or None if it is not one."""
    value = (value or "").strip(" ")
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return None
    text, escaped = [], False
    for char in value[1:-1]:
        if not " " <= char <= "~":
            return None
        if escaped:
            if char not in '"\\':
                return None
            text.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            return None
        else:
            text.append(char)
    return None if escaped else "".join(text)


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class EboxDouble:
    """The e-Box API on a random local port. Use as `with EboxDouble() as ebox:`, then point the client at
    `ebox.base_url` and `ebox.token_url`, and read back `published`, `answers` and `token_requests`."""

    def __init__(self, client_id: str = "fund-client", client_secret: str = "fund-secret",
                 token_ttl: int = 3600) -> None:
        self.client_id, self.client_secret, self.token_ttl = client_id, client_secret, token_ttl
        self.base_url = ""
        self.token_url = ""
        self.published: dict[str, Publication] = {}
        self.answers: list[tuple[str, int]] = []
        self.token_requests = 0
        self.unknown: set[str] = set()
        self.never_visited: set[str] = set()
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._fail: tuple[int, int | None] | None = None  # (status, requests left or None for all)
        self._fail_after = 0
        self._hang: tuple[float, int | None] | None = None  # (seconds, requests left or None for all)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> EboxDouble:
        """Listen on a free port of 127.0.0.1 and serve in a daemon thread (which never keeps pytest alive)."""
        self._stopping.clear()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self.token_url = self.base_url + "/oauth/token"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="ebox-double",
                                        daemon=True)  # polls shutdown 20 times a second: stop() is quick
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving. Hanging requests are woken first, so stopping never waits for a hang to run out."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> EboxDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail(self, status: int = 500, times: int | None = None) -> None:
        """The next `times` publication requests (all if None) answer `status` and store nothing; 0 clears."""
        with self._lock:
            self._fail = (status, times) if status else None

    def fail_after_publishing(self, times: int = 1) -> None:
        """The next `times` new publications are stored but answered 500: the sender never learns they went."""
        with self._lock:
            self._fail_after = times

    def hang(self, seconds: float, times: int | None = None) -> None:
        """The next `times` publication requests (all if None) wait `seconds` before being handled normally."""
        with self._lock:
            self._hang = (seconds, times)

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on, as when the real tokens run out mid-night."""
        with self._lock:
            self._tokens.clear()

    def ok(self) -> None:
        """Back to a healthy service: no failing, no answer lost after publishing, no hanging."""
        with self._lock:
            self._fail, self._fail_after, self._hang = None, 0, None

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method == "POST" and request.path == "/oauth/token":
            response = self._token(request)
        elif request.method == "POST" and request.path == "/ebox/messages":
            key = sf_string(request.headers.get("Idempotency-Key")) or ""
            response = self._messages(request, key)
            with self._lock:
                self.answers.append((key, response.status_code))
        else:
            response = _json(404, {"code": "NOT_FOUND"})
        return response(environ, start_response)

    def _token(self, request: Request) -> Response:
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            client_id, secret = auth.username or "", auth.password or ""
        else:
            client_id, secret = request.form.get("client_id", ""), request.form.get("client_secret", "")
        with self._lock:
            self.token_requests += 1
            if not (secrets.compare_digest(client_id.encode(), self.client_id.encode())
                    and secrets.compare_digest(secret.encode(), self.client_secret.encode())):
                return _json(401, {"error": "invalid_client"})
            if request.form.get("grant_type") != "client_credentials":
                return _json(400, {"error": "unsupported_grant_type"})
            token = secrets.token_urlsafe(24)
            self._tokens[token] = time.monotonic() + self.token_ttl
        return _json(200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl})

    def _take(self, mode: str) -> Any:
        """The setting of `mode` ("_fail" or "_hang") for this request, counting one of its `times` down."""
        with self._lock:
            setting = getattr(self, mode)
            if setting is None:
                return None
            value, left = setting
            if left is not None:
                setattr(self, mode, (value, left - 1) if left > 1 else None)
            return value if left is None or left > 0 else None

    def _messages(self, request: Request, key: str) -> Response:
        seconds = self._take("_hang")
        if seconds:
            self._stopping.wait(seconds)
        status = self._take("_fail")
        if status:
            return _json(status, {"code": "INTERNAL_ERROR"})
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            if scheme.lower() != "bearer" or self._tokens.get(token.strip(), 0) <= time.monotonic():
                return _json(401, {"code": "UNAUTHORIZED"})
        if not key:
            return _json(400, {"code": "INVALID_INPUT", "message": "Idempotency-Key missing"})
        try:
            publication = self._read(request, key)
        except Invalid as error:
            return _json(400, {"code": "INVALID_INPUT", "message": str(error)})
        with self._lock:
            if key in self.published:
                return _json(409, {"code": "ALREADY_PUBLISHED", "messageId": self.published[key].message_id})
            if publication.recipient_id in self.unknown:
                return _json(404, {"code": "RECIPIENT_NOT_FOUND", "message": "no e-Box for this recipient"})
            self.published[key] = publication
            if self._fail_after > 0:
                self._fail_after -= 1
                return _json(500, {"code": "INTERNAL_ERROR"})
            answer = {"id": publication.message_id}
            if publication.recipient_id in self.never_visited:
                answer["code"] = "NO_DIGITAL_USER"
        return _json(201, answer)

    def _read(self, request: Request, key: str) -> Publication:
        """The publication in a multipart request, checked as the real service checks it."""
        if request.mimetype != "multipart/form-data":
            raise Invalid("body is not multipart/form-data")
        raw = request.form.get("messageToPublish")
        if raw is None and "messageToPublish" in request.files:
            raw = request.files["messageToPublish"].read().decode("utf-8", "replace")
        if raw is None:
            raise Invalid("part messageToPublish missing")
        try:
            message = json.loads(raw)
        except ValueError:
            raise Invalid("messageToPublish is not JSON") from None
        if not isinstance(message, dict):
            raise Invalid("messageToPublish is not a JSON object")
        recipient = message.get("recipient")
        if not isinstance(recipient, dict) or recipient.get("eboxType") not in RECIPIENT_ID:
            raise Invalid("recipient.eboxType must be citizen or enterprise")
        kind, ident = recipient["eboxType"], recipient.get("eboxIdValue")
        if not isinstance(ident, str) or not RECIPIENT_ID[kind].fullmatch(ident):
            raise Invalid(f"recipient.eboxIdValue is not a valid {kind} number")
        subject = message.get("subject")
        if (not isinstance(subject, dict) or not subject or not set(subject) <= LANGUAGES
                or not all(isinstance(text, str) and text for text in subject.values())):
            raise Invalid("subject must map nl, fr, de or en to a non-empty text")
        for field in ("senderApplicationId", "messageTypeId"):
            if not isinstance(message.get(field), str) or not message[field]:
                raise Invalid(f"{field} missing")
        attachments = message.get("attachments")
        if not isinstance(attachments, list) or not attachments or not all(isinstance(a, dict) for a in attachments):
            raise Invalid("attachments must be a non-empty list")
        main = [a for a in attachments if a.get("mainContent") is True]
        if len(main) != 1:
            raise Invalid("exactly one attachment must be mainContent")
        parts: dict[str, tuple[FileStorage, bytes]] = {}
        for attachment in attachments:
            name = attachment.get("httpPartName")
            part = request.files.get(name) if isinstance(name, str) and name not in parts else None
            if part is None:
                raise Invalid(f"attachment part {name!r} missing, repeated or without filename")
            content = part.read()
            if part.mimetype != "application/pdf" or not part.filename or not content.startswith(b"%PDF-"):
                raise Invalid(f"attachment part {name!r} is not a named application/pdf file")
            parts[name] = (part, content)
        part, content = parts[main[0]["httpPartName"]]
        return Publication(key=key, message_id=uuid.uuid4().hex, recipient_type=kind, recipient_id=ident,
                           subject=dict(subject), sender_application_id=message["senderApplicationId"],
                           message_type_id=message["messageTypeId"], filename=part.filename or "",
                           pdf=content, content_type=part.mimetype)
