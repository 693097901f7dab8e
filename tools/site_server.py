"""Serving the built site on 127.0.0.1 and finding the Chromium that reads it.

Shared by the browser test (tests/browser), the one-chapter preview
(tests/build_chapter.py) and the PDF (tools/make_pdf.py), so that all three
find the same browser, refuse Ubuntu's snap wrapper the same way, and serve
the site alike.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import os
import pathlib
import shutil
import threading
from collections.abc import Iterator

HOW_TO_GET_CHROMIUM = ("Debian's chromium is not installed: `sudo apt-get install chromium` "
                       "(make test installs it when run as root), or set CONVBOOK_CHROMIUM to a Chromium binary")
SNAP_CHROMIUM = ("this chromium is Ubuntu's wrapper for a snap package, which cannot be driven here: "
                 "set CONVBOOK_CHROMIUM to Google Chrome (/usr/bin/google-chrome, as the GitHub workflow does) "
                 "or to a Chromium that is not a snap")


class ChromiumUnavailable(RuntimeError):
    """No Chromium that Playwright can drive; the message says how to get one."""


def is_snap_wrapper(path: str) -> bool:
    """Whether ``path`` is Ubuntu's snap ``chromium``: a link into /snap, or a small script that runs the snap."""
    real = os.path.realpath(path)
    if real.startswith("/snap/") or "/snap/" in real:
        return True
    try:
        with open(real, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.startswith(b"#!") and b"snap" in head


def find_chromium() -> str:
    """``CONVBOOK_CHROMIUM``, else Debian's ``chromium``; raises :class:`ChromiumUnavailable` if none can be driven."""
    executable = os.environ.get("CONVBOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        raise ChromiumUnavailable(HOW_TO_GET_CHROMIUM)
    if is_snap_wrapper(executable):
        raise ChromiumUnavailable(f"{executable}: {SNAP_CHROMIUM}")
    return executable


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request."""

    def log_message(self, *args: object) -> None:
        pass


class CompressingHandler(QuietHandler):
    """Serves the site as a static host does: text compressed with gzip when the browser accepts it."""

    COMPRESSED = {".html", ".js", ".css", ".svg", ".json", ".txt", ".xml"}

    def send_head(self):  # type: ignore[no-untyped-def]
        path = pathlib.Path(self.translate_path(self.path))
        if (path.suffix not in self.COMPRESSED or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve(site: pathlib.Path, *, compress: bool = False) -> Iterator[str]:
    """Serve ``site`` on a free port of 127.0.0.1 while the block runs; yields the base URL (ending in ``/``)."""
    handler = functools.partial(CompressingHandler if compress else QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
