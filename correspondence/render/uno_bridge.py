"""The UNO side of correspondence/render/libreoffice.py, run by the Python that LibreOffice's `uno` module belongs to.

`python3 uno_bridge.py PIPE_NAME START_TIMEOUT WORKER_PID SOFFICE ARGS…` watches the worker WORKER_PID (its
parent), then starts LibreOffice (`SOFFICE ARGS…`, with `--accept=pipe,name=PIPE_NAME;urp;`) in a session
of its own and says `{"office": PID}`; if the worker ends — even killed before the bridge ran a line —
LibreOffice's whole process group is killed. Once connected it
says `{"ready": true}` on standard output, then converts one document per line of standard input:
`{"docx": "/path/in.docx", "pdf": "/path/out.pdf"}` → `{"ok": true}` or `{"error": "...", "lost": bool}`
(`lost`: the connection to LibreOffice is gone, it must be restarted). End of input: LibreOffice is told
to terminate and the bridge exits. Only the standard library and `uno`: the engine's packages are not
installed for this interpreter. The documents are loaded and stored as `soffice --convert-to
pdf:writer_pdf_Export` does, so a letter prints the same bytes either way.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time


def _connect(pipe, seconds):
    import uno  # noqa: PLC0415 - only importable with LibreOffice's Python path

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + seconds
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:  # noqa: BLE001 - NoConnectException until LibreOffice listens
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)


def _properties(**values):
    import uno  # noqa: PLC0415

    result = []
    for name, value in values.items():
        prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        prop.Name, prop.Value = name, value
        result.append(prop)
    return tuple(result)


class _Office:
    """The LibreOffice this bridge started; ended at most once, whichever thread gets there first."""

    def __init__(self):
        self.lock = threading.Lock()
        self.group = None

    def start(self, command):
        with self.lock:  # the watcher cannot end us between the fork and knowing the group
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
            self.group = process.pid
        return process.pid

    def kill(self, then_exit=False):
        with self.lock:  # exiting with the lock held: no LibreOffice can start after this one was killed
            try:
                if self.group is not None:
                    os.killpg(self.group, signal.SIGKILL)
            except OSError:  # already gone
                pass
            finally:
                if then_exit:
                    os._exit(1)


def _watch(parent, office):
    """If the worker that started us dies (even by SIGKILL, even while LibreOffice hangs), end LibreOffice.

    `parent` is the pid the worker gave: a worker killed before this line ran has already handed us to init,
    and `os.getppid()` read here would then watch init for ever."""
    while os.getppid() == parent:
        time.sleep(0.5)
    office.kill(then_exit=True)


def _reply(**message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    pipe, seconds, parent, command = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    office = _Office()
    threading.Thread(target=_watch, args=(parent, office), daemon=True).start()
    try:
        _reply(office=office.start(command))
        _serve(pipe, seconds)
    except BaseException:
        office.kill()  # anything but the polite end (the worker gone mid-reply: BrokenPipeError)
        raise


def _serve(pipe, seconds):
    import uno  # noqa: PLC0415
    from com.sun.star.lang import DisposedException  # noqa: PLC0415
    from com.sun.star.uno import RuntimeException  # noqa: PLC0415

    desktop = _connect(pipe, seconds)
    # What `--convert-to` passes (desktop/source/app/dispatchwatcher.cxx): hidden, read-only, no macros,
    # no link updates; stored with the filter name alone.
    load = _properties(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0)
    store = _properties(FilterName="writer_pdf_Export", Overwrite=True)
    _reply(ready=True)
    for line in sys.stdin:
        request = json.loads(line)
        document = None
        try:
            document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(request["docx"]), "_blank", 0, load)
            if document is None:
                _reply(error="LibreOffice could not open the DOCX", lost=False)
                continue
            document.storeToURL(uno.systemPathToFileUrl(request["pdf"]), store)
            _reply(ok=True)
        except (DisposedException, RuntimeException) as exc:
            _reply(error=f"{type(exc).__name__}: {exc.Message}", lost=True)
            return
        except Exception as exc:  # noqa: BLE001 - an IOException for a broken file: this document only
            _reply(error=f"{type(exc).__name__}: {getattr(exc, 'Message', exc)}", lost=False)
        finally:
            if document is not None:
                try:
                    document.close(True)
                except Exception:  # noqa: BLE001, S110 - closing a document LibreOffice already lost
                    pass
    try:
        desktop.terminate()
    except Exception:  # noqa: BLE001, S110 - LibreOffice ends with the connection anyway
        pass


if __name__ == "__main__":
    main()
