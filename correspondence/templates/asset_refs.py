"""Files and URLs a rendered HTML letter would load, and which of them the renderer would refuse.

The night's renderer serves only letter_templates/assets/ from the snapshot (and data: URIs) and refuses
anything else fatally; `templates check` finds the same references first, so a reviewer hears it before the
night holds the letter.
"""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser

from correspondence.templates.snapshots import Snapshot

CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""", re.IGNORECASE)
LOADING_ATTRIBUTES = {"src", "href", "data", "xlink:href", "poster", "srcset"}
BASE = "snapshot:///"
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in LOADING_ATTRIBUTES and not (tag == "a" and name == "href"):
                self.found.append((value.strip(), f"{tag} {name}"))
            elif name == "style":
                self.found.extend((u, f"{tag} style") for u in css_urls(value))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found.extend((u, "style sheet") for u in css_urls(data))


def css_urls(css: str) -> list[str]:
    return [(a or b).strip() for a, b in CSS_URL.findall(css)]


def _allowed(url: str, base: str, snapshot: Snapshot) -> bool:
    """data: URIs and relative paths to a file of the snapshot's assets/; no scheme, no absolute path."""
    if url.startswith(("data:", "#")):
        return True
    if SCHEME.match(url) or url.startswith("/"):
        return url.startswith(BASE) and _in_assets(url.removeprefix(BASE), snapshot)
    return _in_assets(posixpath.normpath(posixpath.join(posixpath.dirname(base), url)), snapshot)


def _in_assets(path: str, snapshot: Snapshot) -> bool:
    return path.startswith("assets/") and path in snapshot.files


def refused_urls(html: str, snapshot: Snapshot) -> list[tuple[str, str]]:
    """(url, where it is asked for) for every reference of a rendered letter outside the snapshot's assets/."""
    parser = _References()
    parser.feed(html)
    return [(u, what) for u, what in parser.found if not _allowed(u, "", snapshot)]


def refused_in_stylesheets(snapshot: Snapshot) -> list[tuple[str, str]]:
    """The same for the style sheets of assets/ (fonts, images and @import they load)."""
    return [(u, path) for path, content in sorted(snapshot.files.items())
            if path.startswith("assets/") and path.endswith(".css")
            for u in css_urls(content.decode("utf-8")) if not _allowed(u, path, snapshot)]
