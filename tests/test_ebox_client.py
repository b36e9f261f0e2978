"""The e-Box client against the local double of the document-sender API (tests/ebox_double.py): each of the
e-Box's answers is one of delivered, refused or no answer; the same letter is published under the same key,
so an answer lost after publishing costs a 409, never a second message; tokens are renewed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from correspondence.config import Ebox
from correspondence.ebox.client import DELIVERED, NO_ANSWER, REFUSED, Client, Publication, idempotency_key
from tests.ebox_double import EboxDouble

PDF = b"%PDF-1.7\n% a letter\n"


def _letter(n: int = 1, number: str = "85010100123") -> Publication:
    return Publication(f"due_notice:A{n:07d}:2026-Q4", "citizen", number, {"nl": "Vervaldagbericht"},
                       "0403446701", "zelfstandig-samen.contributions", "SocialContributions",
                       f"20261002-{n:06d}-due_notice.pdf", PDF)


@pytest.fixture
def ebox() -> Iterator[EboxDouble]:
    with EboxDouble() as double:
        yield double


def _client(ebox: EboxDouble, secret: str = "fund-secret", timeout: float = 5.0) -> Client:
    return Client(Ebox(ebox.base_url, ebox.token_url, "fund-client", secret, timeout), backoff=0.01)


def _nothing(ebox: EboxDouble) -> None:
    pass


# (what the e-Box does, the outcome, the start of what is recorded, how many publication calls, published)
CASES: list[tuple[str, Callable[[EboxDouble], None], str, str, int, int]] = [
    ("published", _nothing, DELIVERED, "201", 1, 1),
    ("never opened their e-Box", lambda e: e.never_visited.add("85010100123"), DELIVERED, "201 NO_DIGITAL_USER", 1, 1),
    ("recipient unknown", lambda e: e.unknown.add("85010100123"), REFUSED, "404 RECIPIENT_NOT_FOUND", 1, 0),
    ("a definitive 400", lambda e: e.fail(400), REFUSED, "400", 1, 0),
    ("a 500 once, then published", lambda e: e.fail(500, times=1), DELIVERED, "201", 2, 1),
    ("500 all the time", lambda e: e.fail(500), NO_ANSWER, "500", 3, 0),
    ("429 too many requests", lambda e: e.fail(429), NO_ANSWER, "429", 3, 0),
    ("published, the answer lost", lambda e: e.fail_after_publishing(1), DELIVERED, "409", 2, 1),
]


@pytest.mark.parametrize(("case", "arrange", "outcome", "detail", "calls", "published"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_answer_is_delivered_refused_or_no_answer(ebox: EboxDouble, case: str,
                                                       arrange: Callable[[EboxDouble], None], outcome: str,
                                                       detail: str, calls: int, published: int) -> None:
    arrange(ebox)
    with _client(ebox) as client:
        answer = client.publish(_letter())
    assert (answer.outcome, answer.detail.startswith(detail)) == (outcome, True), answer
    assert len(ebox.answers) == calls and len(ebox.published) == published
    if outcome == DELIVERED:
        assert answer.message_id == next(iter(ebox.published.values())).message_id


def test_the_same_letter_twice_is_one_message_with_its_first_id(ebox: EboxDouble) -> None:
    with _client(ebox) as client:
        first, again = client.publish(_letter()), client.publish(_letter())
        other = client.publish(_letter(2))
    assert (first.outcome, again.outcome, again.detail) == (DELIVERED, DELIVERED, "409 ALREADY_PUBLISHED")
    assert first.message_id == again.message_id != other.message_id
    assert set(ebox.published) == {idempotency_key(_letter(n).event_key).strip('"') for n in (1, 2)}
    publication = ebox.published[idempotency_key(_letter().event_key).strip('"')]
    assert (publication.pdf, publication.content_type, publication.subject) == (PDF, "application/pdf",
                                                                                {"nl": "Vervaldagbericht"})


def test_a_hanging_ebox_is_no_answer_and_the_retry_is_the_same_message(ebox: EboxDouble) -> None:
    ebox.hang(1.0, times=1)
    with _client(ebox, timeout=0.3) as client:
        late = client.publish(_letter())  # the first call times out; the second is answered 201 or 409
    assert late.outcome == DELIVERED and len(ebox.published) == 1


def test_a_token_revoked_before_its_time_is_renewed_once(ebox: EboxDouble) -> None:
    with _client(ebox) as client:
        assert client.publish(_letter(1)).outcome == DELIVERED
        ebox.expire_tokens()
        assert client.publish(_letter(2)).outcome == DELIVERED
    assert ebox.token_requests == 2


def test_wrong_credentials_are_no_answer_and_never_show_the_secret(ebox: EboxDouble) -> None:
    with _client(ebox, secret="not-the-secret") as client:
        answer = client.publish(_letter())
    assert (answer.outcome, answer.detail) == (NO_ANSWER, "token: HTTP 401")
    assert "not-the-secret" not in repr(client.settings) and not ebox.published


def test_no_ebox_there_is_no_answer(ebox: EboxDouble) -> None:
    ebox.stop()
    with _client(ebox) as client:
        answer = client.publish(_letter())
    assert answer.outcome == NO_ANSWER and answer.detail.startswith("token: connection")


def test_the_idempotency_key_is_an_sf_string_without_the_recipient() -> None:
    key = idempotency_key("due_notice:A0000001:2026-Q4")
    assert key.startswith('"') and key.endswith('"') and "A0000001" not in key and len(key) == 42
    assert key == idempotency_key("due_notice:A0000001:2026-Q4") != idempotency_key("due_notice:A0000002:2026-Q4")
