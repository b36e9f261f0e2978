"""The command line's shape: every argument and option explains itself, values are parsed by one type each,
the languages are defined once, and Ctrl-C ends a command with one line and exit 130."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from correspondence.config import PROJECT_ROOT
from scheduler import cli
from scheduler.cli.base import Argument
from scheduler.cli.commands import correspondence


def _commands(command: click.Command, path: str = "") -> Iterator[tuple[str, click.Command]]:
    yield path or command.name or "", command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path} {name}".strip())


def test_every_argument_and_option_has_help() -> None:
    missing = [f"{path}: {param.name}" for path, command in _commands(correspondence)
               for param in command.params
               if not (isinstance(param, click.Option | Argument) and (param.help or "").strip())]
    assert missing == []
    assert all((command.help or "").strip() for _, command in _commands(correspondence))


def test_the_commands_the_readme_names() -> None:
    """The README's commands and their options (a rename here is a rename there)."""
    found = {path: sorted(o for p in command.params if isinstance(p, click.Option) for o in p.opts)
             for path, command in _commands(correspondence) if path != "correspondence"}
    assert found == {
        "init": [], "import": ["--accept-removals", "--full"], "imports": ["--json", "--limit"], "demo": ["--affiliates", "--as-of", "--seed"],
        "run": ["--as-of", "--backdate"], "decide": [], "letters": ["--json", "--recipient", "--run-date", "--since", "--status", "--type", "--until"],
        "templates": [], "templates list": ["--as-of", "--json"], "templates check": ["--errors-only", "--json"],
        "templates variables": [],
        "templates preview": ["--affiliate", "--as-of", "--lang", "--out", "--out-dir", "--png", "--sample"],
        "templates approve": ["--by", "--effective", "--lang", "--shipped"],
        "mailroom": [], "mailroom list": ["--all", "--json"], "mailroom collect": ["--by"], "mailroom returned": ["--on", "--reason"],
        "mailroom reprint": [], "mailroom verify": [], "mailroom archive": [],
        "runs": ["--json"], "runs show": [], "stats": ["--csv", "--json", "--quarter", "--year"],
        "decide company_contribution": ["--schema"], "decide contribution": ["--schema"],
        "decide mantelzorg": ["--schema"], "decide surcharges": ["--schema"],
        "scheduler": ["--catch-up-now", "--config"],
        "users": [], "users add": ["--role"], "users list": ["--json"], "users disable": [],
        "web": ["--host", "--port", "--proxied", "--threads"],
    }


@pytest.mark.parametrize(("argv", "says"), [
    (["letters", "--run-date", "22/11/2026"], "'22/11/2026' is not a date written YYYY-MM-DD"),
    (["mailroom", "verify", "2026-02-30"], "'2026-02-30' is not a date written YYYY-MM-DD"),
    (["demo", "--affiliates", "0"], "'0' is not a whole number of 1 or more"),
    (["stats", "--year", "26"], "'26' is not a year written YYYY"),
    (["stats", "--year", "2026", "--quarter", "5"], "'--quarter'"),
    (["templates", "preview", "due_notice", "--lang", "en"], "'en' is not one of 'nl', 'fr', 'de'"),
    (["mailroom", "collect", "2026-11-22"], "Missing option '--by'"),
    (["letters", "--jso"], "No such option '--jso'. Did you mean '--json'?"),
])
def test_a_usage_error_is_one_line_and_exit_2(argv: list[str], says: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and err.rstrip().endswith("--help)"), err


def test_help_is_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["mailroom", "collect", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Arguments:" in out and "the night whose print files are collected" in out


def test_the_languages_are_defined_once() -> None:
    defined = [path.relative_to(PROJECT_ROOT).as_posix()
               for package in ("rules", "correspondence", "scheduler", "bench")
               for path in (PROJECT_ROOT / package).rglob("*.py")
               if re.search(r"(?m)^LANGUAGES\s*=|\(\"nl\", \"fr\", \"de\"\)", path.read_text(encoding="utf-8"))]
    assert defined == ["rules/language.py"]


READ = {"x86_64": "0", "aarch64": "63"}  # the read system call's number


def _reading_stdin(pid: int) -> bool:
    """The process waits in read(0, …): it loaded, and asks for its input."""
    try:
        call = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return call[:2] == [READ[os.uname().machine], "0x0"]


@pytest.mark.skipif(os.uname().machine not in READ or not Path("/proc/self/syscall").exists(),
                    reason="needs /proc/<pid>/syscall (Linux)")
def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """`decide` waiting on standard input, interrupted: no traceback."""
    env = {**os.environ, "CORRESPONDENCE_VAR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "decide", "mantelzorg", "-"], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _reading_stdin(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert (process.returncode, out, err) == (130, "", "decide mantelzorg: interrupted\n")
