"""Switching the e-Box on (CORRESPONDENCE_EBOX_*): off unless its address is set; on, every other piece is
required, named in one line when missing, and the secret is never in a message nor a repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from correspondence import config

ON = {"CORRESPONDENCE_EBOX_URL": "https://ebox.example.be/api", "CORRESPONDENCE_EBOX_TOKEN_URL":
      "https://oauth.example.be/token", "CORRESPONDENCE_EBOX_CLIENT_ID": "fund", "CORRESPONDENCE_EBOX_CLIENT_SECRET":
      "s3cr3t-value"}


def test_off_without_its_address() -> None:
    assert config._ebox({}) is None


def test_on_with_every_piece_and_the_secret_kept_out_of_its_repr() -> None:
    ebox = config._ebox(ON)
    assert ebox is not None and (ebox.url, ebox.secret, ebox.timeout) == ("https://ebox.example.be/api",
                                                                         "s3cr3t-value", 30.0)
    assert "s3cr3t-value" not in repr(ebox)


@pytest.mark.parametrize(("changes", "says"), [
    ({"CORRESPONDENCE_EBOX_TOKEN_URL": ""}, "CORRESPONDENCE_EBOX_TOKEN_URL: missing"),
    ({"CORRESPONDENCE_EBOX_CLIENT_ID": ""}, "CORRESPONDENCE_EBOX_CLIENT_ID: missing"),
    ({"CORRESPONDENCE_EBOX_CLIENT_SECRET": ""}, "CORRESPONDENCE_EBOX_CLIENT_SECRET_FILE or "),
    ({"CORRESPONDENCE_EBOX_CLIENT_SECRET_FILE": "/nonexistent/secret"},
     "CORRESPONDENCE_EBOX_CLIENT_SECRET and CORRESPONDENCE_EBOX_CLIENT_SECRET_FILE: give one, not both"),
    ({"CORRESPONDENCE_EBOX_URL": "http://ebox.example.be"}, "CORRESPONDENCE_EBOX_URL: 'http://ebox.example.be' is not"),
    ({"CORRESPONDENCE_EBOX_URL": "https://fund:pa55word@ebox.example.be"},
     "CORRESPONDENCE_EBOX_URL: holds a user name or password"),
    ({"CORRESPONDENCE_EBOX_TIMEOUT": "-1"}, "CORRESPONDENCE_EBOX_TIMEOUT: -1 is not a number of seconds"),
], ids=["no token url", "no client id", "no secret", "two secrets", "plain http", "credentials in the url",
        "negative timeout"])
def test_a_missing_or_wrong_piece_is_one_line_without_the_secret(changes: dict[str, str], says: str) -> None:
    with pytest.raises(config.ConfigError) as caught:
        config._ebox({**ON, **changes})
    message = str(caught.value)
    assert message.startswith(says) and "\n" not in message, message
    assert "s3cr3t-value" not in message and "pa55word" not in message


def test_the_secret_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "ebox-secret"
    secret.write_text("from-the-file\n", encoding="utf-8")
    ebox = config._ebox({**ON, "CORRESPONDENCE_EBOX_CLIENT_SECRET": "",
                         "CORRESPONDENCE_EBOX_CLIENT_SECRET_FILE": str(secret)})
    assert ebox is not None and ebox.secret == "from-the-file"
    with pytest.raises(config.ConfigError, match="cannot read .*: No such file"):
        config._ebox({**ON, "CORRESPONDENCE_EBOX_CLIENT_SECRET": "",
                      "CORRESPONDENCE_EBOX_CLIENT_SECRET_FILE": str(tmp_path / "none")})
