"""DOCX → PDF through one LibreOffice per render worker, kept running for the night and fed over UNO.

Starting LibreOffice costs ~1.5 s; converting a one-page letter in a running one ~50 ms. So each worker
starts `soffice --headless --accept=pipe,...` once, with a private profile, and a small bridge process
(correspondence/render/uno_bridge.py, run by the Python that LibreOffice's `uno` module belongs to — Debian's
python3-uno is built for /usr/bin/python3, not necessarily for the engine's interpreter) loads each
document and stores it with `writer_pdf_Export`, as `soffice --convert-to` would.

Every document has a time limit: a LibreOffice that does not answer in time is killed and restarted, and
that document comes back `ConversionFailed` with the reason (its letter is quarantined, the night goes on).
A LibreOffice that died is restarted and the document tried once more. `close()` (also at the worker's
exit) ends LibreOffice and removes the profile; if the worker itself is killed, the bridge notices and
ends LibreOffice's whole process group (LibreOffice runs in a session of its own, soffice.bin a grandchild:
a parent-death signal would reach only the launcher, and would fire when the converting thread ends, not
the worker). The bridge starts LibreOffice itself, once it is watching the worker whose pid it was given:
a worker killed at any instant of the start leaves nothing running. A profile left by a killed worker — `correspondence-lo-<pid>-…` in the temp folder, whose
`owner.lock` no live process holds — is removed by `remove_stale_profiles()` at the start of the next
night. The PDFs are normalised (no dates, an /ID derived from the content) so the same DOCX
always gives the same bytes.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import io
import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, NameObject

from correspondence import config
from correspondence.log import log

# Read when this module loads: after the check at start (the command line loads it only to render).
SOFFICE = config.get(config.SOFFICE)
# The interpreter that can `import uno` (python3-uno); the bridge uses nothing else.
UNO_PYTHON = config.get(config.UNO_PYTHON)
BRIDGE = Path(__file__).with_name("uno_bridge.py")
START_TIMEOUT_S = 90.0
DOCUMENT_TIMEOUT_S = config.get(config.LO_TIMEOUT)
CLOSE_TIMEOUT_S = 10.0


class ConversionFailed(Exception):
    """LibreOffice produced no PDF for a document (or did not run at all)."""


class _Lost(Exception):
    """LibreOffice or its bridge stopped (crashed, was killed) while converting."""


class LibreOffice:
    """One worker's LibreOffice: a private user profile, one running office, documents converted one by one."""

    def __init__(self, timeout: float | None = None) -> None:
        self.timeout = DOCUMENT_TIMEOUT_S if timeout is None else timeout
        self.home, self._owner = _own_profile()
        self.profile = (self.home / "profile").as_uri()
        self.office: _Office | None = None
        self.bridge: subprocess.Popen[bytes] | None = None
        self.starts = 0  # how many times LibreOffice was started (1 for a whole quiet night)
        self._buffer = b""
        atexit.register(self.close)

    # -- lifecycle -------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return (self.office is not None and self.office.poll() is None
                and self.bridge is not None and self.bridge.poll() is None)

    def _start(self) -> None:
        self._stop()
        pipe = f"correspondence-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        env = {**os.environ, "HOME": str(self.home)}
        office = [SOFFICE, f"-env:UserInstallation={self.profile}", "--headless", "--invisible", "--norestore",
                  "--nolockcheck", "--nodefault", "--nologo", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]
        with (self.home / "bridge.log").open("ab") as log:
            self.bridge = subprocess.Popen(
                [UNO_PYTHON, str(BRIDGE), pipe, str(START_TIMEOUT_S), str(os.getpid()), *office],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True, env=env,
            )
        self._buffer = b""
        reply = None
        with contextlib.suppress(_Lost):
            started = self._reply(START_TIMEOUT_S)
            if started and started.get("office"):
                self.office = _Office(int(started["office"]))
                reply = self._reply(START_TIMEOUT_S + 5)
        if not (reply and reply.get("ready")):
            self._stop()
            raise ConversionFailed(f"LibreOffice did not start: {self._bridge_log() or 'no answer'}")
        self.starts += 1

    def _bridge_log(self) -> str:
        with contextlib.suppress(OSError):
            lines = (self.home / "bridge.log").read_text(errors="replace").strip().splitlines()
            return lines[-1][:300] if lines else ""
        return ""

    def _stop(self, graceful: bool = False) -> None:
        """End the bridge and LibreOffice: politely if asked (end of input → desktop.terminate()), else killed."""
        bridge, office = self.bridge, self.office
        self.bridge = self.office = None
        if bridge is not None and graceful and bridge.poll() is None and bridge.stdin:
            with contextlib.suppress(OSError):
                bridge.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                bridge.wait(CLOSE_TIMEOUT_S)
            if office is not None:
                office.wait(CLOSE_TIMEOUT_S)
        if bridge is not None:
            # The whole group, even when its leader has ended: what it started may outlive it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(bridge.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                bridge.wait(CLOSE_TIMEOUT_S)
            for stream in (bridge.stdin, bridge.stdout):
                if stream:
                    with contextlib.suppress(OSError):
                        stream.close()
        if office is not None:  # soffice.bin may outlive its launcher (oosplash), the group's leader
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(office.pid, signal.SIGKILL)
            _wait_until_gone(office.pid, CLOSE_TIMEOUT_S)

    def close(self) -> None:
        """End LibreOffice for the night and remove the profile (idempotent)."""
        self._stop(graceful=True)
        shutil.rmtree(self.home, ignore_errors=True)
        if self._owner is not None:
            os.close(self._owner)  # the lock goes with it
            self._owner = None

    def __enter__(self) -> LibreOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- talking to the bridge -------------------------------------------------------------------------

    def _reply(self, timeout: float) -> dict[str, Any] | None:
        """The bridge's next line, None when `timeout` seconds pass first; _Lost when the bridge ended."""
        assert self.bridge is not None and self.bridge.stdout is not None
        fd = self.bridge.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise _Lost(self._bridge_log() or "the UNO bridge ended")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _ask(self, source: Path, target: Path) -> dict[str, Any] | None:
        assert self.bridge is not None and self.bridge.stdin is not None
        try:
            self.bridge.stdin.write(json.dumps({"docx": str(source), "pdf": str(target)}).encode() + b"\n")
            self.bridge.stdin.flush()
        except OSError as exc:
            raise _Lost(f"the UNO bridge is gone: {exc}") from exc
        reply = self._reply(self.timeout)
        if reply is not None and reply.get("lost"):
            raise _Lost(str(reply.get("error")))
        return reply

    # -- converting ------------------------------------------------------------------------------------

    def convert(self, documents: dict[str, bytes], normalised: bool = True) -> dict[str, bytes | ConversionFailed]:
        """PDF bytes (or why not) per name for DOCX bytes per name (names are plain file stems).

        `normalised=False`: LibreOffice's PDF as written, for a caller that normalises it on another thread
        while this LibreOffice converts the next document.
        """
        work = Path(tempfile.mkdtemp(dir=self.home, prefix="work-"))
        try:
            return {name: self._convert(name, data, work, normalised) for name, data in documents.items()}
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _convert(self, name: str, data: bytes, work: Path, normalised: bool) -> bytes | ConversionFailed:
        source, target = work / f"{name}.docx", work / f"{name}.pdf"
        source.write_bytes(data)
        try:
            for attempt in (1, 2):
                try:
                    if not self.running:
                        self._start()
                    reply = self._ask(source, target)
                except _Lost as exc:
                    self._stop()
                    if attempt == 2:
                        return ConversionFailed(f"LibreOffice stopped twice while converting this letter ({exc})")
                    continue
                except ConversionFailed:
                    raise
                except Exception as exc:  # noqa: BLE001 - a reply we could not read: the bridge and we are out of step
                    self._stop()  # so the next letter never reads this letter's late answer
                    return ConversionFailed(f"LibreOffice's answer could not be read ({type(exc).__name__}: {exc}); "
                                            "it was stopped and restarted")
                if reply is None:  # hung: kill it, the next letter gets a fresh LibreOffice
                    self._stop()
                    return ConversionFailed(f"LibreOffice did not convert this letter within {self.timeout:g} s; "
                                            "it was stopped and restarted")
                if "error" in reply or not target.is_file():
                    return ConversionFailed(f"LibreOffice could not convert the DOCX to PDF: {reply.get('error', 'no PDF')}")
                pdf = target.read_bytes()
                return normalise(pdf) if normalised else pdf
            raise AssertionError("unreachable")
        except ConversionFailed as exc:
            return exc
        finally:
            source.unlink(missing_ok=True)
            target.unlink(missing_ok=True)


PROFILE_PREFIX = "correspondence-lo-"
OWNER_LOCK = "owner.lock"


def _own_profile() -> tuple[Path, int]:
    """A fresh profile folder named after this process, and the descriptor holding its owner lock.

    The lock is taken on a file of another name and then renamed into place, so `owner.lock` is never seen
    unlocked while its owner lives; the descriptor is not inherited by LibreOffice or the bridge."""
    home = Path(tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-"))
    owner = os.open(home / f".{OWNER_LOCK}", os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    fcntl.flock(owner, fcntl.LOCK_EX)
    os.rename(home / f".{OWNER_LOCK}", home / OWNER_LOCK)
    return home, owner


def remove_stale_profiles(folder: Path | None = None) -> int:
    """Remove the LibreOffice profiles whose owner is dead (a worker killed with its night); the number removed.

    A profile is in use while its `owner.lock` is locked; one without the file is being created, and is
    kept while the process its name carries lives. Anything else in the folder is left alone."""
    removed = 0
    for home in Path(tempfile.gettempdir() if folder is None else folder).glob(f"{PROFILE_PREFIX}*"):
        owner_pid, dash, _ = home.name.removeprefix(PROFILE_PREFIX).partition("-")
        if not (dash and owner_pid.isdigit()) or home.is_symlink() or not home.is_dir() or not _stale(home, int(owner_pid)):
            continue
        shutil.rmtree(home, ignore_errors=True)
        removed += not home.exists()
    if removed:
        log("libreoffice", stage="stale profiles", removed=removed)
    return removed


def _stale(home: Path, owner_pid: int) -> bool:
    try:
        lock = os.open(home / OWNER_LOCK, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        return not _alive(owner_pid)
    except OSError:
        return False
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its owner holds it
    finally:
        os.close(lock)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_until_gone(group: int, seconds: float) -> None:
    """Until no live process of `group` is left: a killed soffice.bin takes a moment to give back its memory,
    and the next LibreOffice must not start beside it. Zombies count as gone (their parent may never reap)."""
    deadline = time.monotonic() + seconds
    while _alive_in_group(group):
        if time.monotonic() > deadline:
            log("libreoffice", status="still exiting", seconds=seconds)  # the next one starts anyway
            return
        time.sleep(0.02)


class _Office:
    """LibreOffice's process group, started by the bridge (the bridge's child, not the worker's)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid  # the launcher's, and the group's: LibreOffice runs in a session of its own

    def poll(self) -> int | None:
        """None while the launcher lives, as Popen.poll() (its exit status is its parent's, the bridge's)."""
        return None if _running(self.pid) else 0

    def wait(self, seconds: float) -> None:
        """Until the launcher has ended or `seconds` have passed."""
        deadline = time.monotonic() + seconds
        while _running(self.pid) and time.monotonic() < deadline:
            time.sleep(0.02)


def _parsed_stat(stat: str) -> tuple[str, str, int]:
    """(command name, state, process group) from a /proc/<pid>/stat line (the name may hold spaces and ')')."""
    fields = stat[stat.rindex(")") + 2 :].split()
    return stat[stat.index("(") + 1 : stat.rindex(")")], fields[0], int(fields[2])


def live_processes() -> Iterator[tuple[int, str, int]]:
    """(pid, command name, process group) of each live process; a zombie counts as gone (its parent may never
    reap it). Also the tests' view of what a killed worker left (tests/processes.py)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, state, group = _parsed_stat((entry / "stat").read_text())
        except OSError:  # ended while we looked
            continue
        if state not in ("Z", "X"):
            yield int(entry.name), name, group


def _running(pid: int) -> bool:
    """Whether `pid` is a live process, a zombie not counted (`_alive` counts it: os.kill reaches a zombie)."""
    try:
        return _parsed_stat((Path("/proc") / str(pid) / "stat").read_text())[1] not in ("Z", "X")
    except OSError:
        return False


def _alive_in_group(group: int) -> bool:
    return any(its_group == group for _, _, its_group in live_processes())


def normalise(pdf: bytes) -> bytes:
    """The same PDF without dates, producer or XMP metadata, with an /ID derived from its pages' content."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer._info = None  # type: ignore[assignment] # no /Info at all: LibreOffice writes the time into it
    if "/Metadata" in writer.root_object:
        del writer.root_object[NameObject("/Metadata")]
    writer._ID = ArrayObject([ByteStringObject(bytes(16))] * 2)  # LibreOffice's /ID is random: hash without it
    body = io.BytesIO()
    writer.write(body)
    identifier = ByteStringObject(hashlib.md5(body.getvalue(), usedforsecurity=False).digest())
    writer._ID = ArrayObject([identifier, identifier])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
