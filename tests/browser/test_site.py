"""The built site, read in a real browser (Chromium driven by Playwright).

Every page of ``_build/html`` is opened over HTTP (as ``make serve`` and a
host serve it) and from ``file://`` (as a reader who downloads the site opens
it). A page fails on a console error, on any request that leaves the site, on
math that MathJax did not typeset, on a link or anchor that leads nowhere, on
an image without a text alternative, or on a live widget without a static
fallback after it. A screenshot of every page is saved under
``_build/screenshots/``.

Run after building the site: ``make test`` does both. Chromium is Debian's
``chromium`` (Playwright's own browser download is not used); without it the
tests are skipped, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import pathlib
import re
import shutil
import threading
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = pathlib.Path(os.environ.get("CONVBOOK_SITE", ROOT / "_build" / "html")).resolve()
SHOTS = SITE.parent / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOW_TO_GET_CHROMIUM = ("Debian's chromium is not installed: `sudo apt-get install chromium` "
                       "(make test installs it when run as root), or set CONVBOOK_CHROMIUM to a Chromium binary")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser test may not be skipped)")
    pytest.skip(reason)


def site_pages() -> list[str]:
    if not SITE.is_dir():
        return []
    return sorted(str(p.relative_to(SITE)) for p in SITE.rglob("*.html")
                  if not p.relative_to(SITE).parts[0].startswith("_"))


PAGES = site_pages()


@pytest.fixture(scope="session")
def browser():
    if not PAGES:
        _unavailable(f"no built site at {SITE}: run `make book` first")
    executable = os.environ.get("CONVBOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        _unavailable(HOW_TO_GET_CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - it is pinned in requirements.txt
        _unavailable("the Python package playwright is not installed (see requirements.txt)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output readable
        pass


@pytest.fixture(scope="session")
def server():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.requests = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"uncaught exception: {e}"))
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("requestfailed", lambda r: page.problems.append(f"failed request: {r.url} ({r.failure})"))
    yield page
    context.close()


ID = re.compile(r"""\bid=["']([^"']+)["']""")


@functools.cache
def ids_of(path: pathlib.Path) -> frozenset[str]:
    return frozenset(ID.findall(path.read_text(encoding="utf-8", errors="replace")))


def _settle(page) -> None:
    """Wait for MathJax and the widget manager to finish with the page."""
    page.wait_for_load_state("load")
    page.evaluate("""async () => {
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
        await new Promise(r => setTimeout(r, 300));
    }""")
    if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
        page.wait_for_function(
            """() => document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length
                  <= document.querySelectorAll('.jupyter-widgets.widget-container, .jupyter-widgets.widget-box,'
                     + ' .cell_output .jupyter-widgets').length""", timeout=15000)


def _outside(url: str, base: str) -> bool:
    return not (url.startswith(base) or url.startswith(("data:", "blob:", "about:")))


def _check_page(page, url: str, base: str, path: pathlib.Path) -> list[str]:
    if 'http-equiv="refresh"' in path.read_text(encoding="utf-8", errors="replace").lower():
        page.goto(url)  # a redirect page: check the page it leads to
        page.wait_for_url(lambda u: u != url, timeout=10000)
    else:
        page.goto(url)
    _settle(page)
    problems = list(page.problems)
    problems += [f"request outside the site: {u}" for u in page.requests if _outside(u, base)]

    math = page.evaluate("""() => ({
        source: document.querySelectorAll('.math, span.math, div.math').length,
        typeset: document.querySelectorAll('mjx-container').length,
        errors: document.querySelectorAll('mjx-merror').length,
        raw: Array.from(document.querySelectorAll('.math')).filter(e => !e.querySelector('mjx-container'))
                  .map(e => e.textContent.slice(0, 60)),
    })""")
    if math["source"] and not math["typeset"]:
        problems.append(f"{math['source']} math elements and none typeset by MathJax")
    problems += [f"math not typeset: {t!r}" for t in math["raw"]]
    if math["errors"]:
        problems.append(f"{math['errors']} MathJax errors")

    for alt, src in page.evaluate("""() => Array.from(document.images)
            .map(i => [i.getAttribute('alt'), i.getAttribute('src') || ''])"""):
        name = src.rsplit("/", 1)[-1]
        if not alt or not alt.strip() or alt.strip().rsplit("/", 1)[-1] == name:
            problems.append(f"image without a text alternative: {src[:80]} (alt={alt!r})")

    for href in page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
        if not href.startswith(base) or href.startswith(base + "_sources"):
            continue
        target, _, anchor = href[len(base):].partition("#")
        target = urllib.parse.unquote(target.split("?", 1)[0])
        dest = SITE / target if target else SITE / "index.html"
        if dest.is_dir():
            dest = dest / "index.html"
        if not dest.is_file():
            problems.append(f"broken link: {href}")
        elif anchor and dest.suffix == ".html" and urllib.parse.unquote(anchor) not in ids_of(dest):
            problems.append(f"broken anchor: {href}")

    problems += page.evaluate("""() => {
        const out = [];
        const cells = Array.from(document.querySelectorAll('.cell'));
        cells.forEach((cell, i) => {
            if (!cell.classList.contains('tag_widget')) return;
            if (!cell.querySelector('.convbook-widget-note'))
                out.push('widget cell ' + i + ' carries no note that it needs a kernel');
            const next = cells[i + 1];
            if (!next || !next.classList.contains('tag_static-fallback'))
                out.push('widget cell ' + i + ' is not followed by a static-fallback cell');
            else if (!next.querySelector('img, svg, video, .animation, canvas'))
                out.push('static fallback after widget cell ' + i + ' shows no picture or animation');
        });
        document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').forEach(s => {
            if (!s.closest('.tag_widget')) out.push('a widget outside a cell tagged widget');
        });
        document.querySelectorAll('.jupyter-widgets-error-widget').forEach(() => out.push('a widget failed to render'));
        return out;
    }""")
    return problems


def _shot_name(rel: str) -> str:
    return rel.removesuffix(".html").replace("/", "__") + ".png"


@pytest.mark.parametrize("rel", PAGES or ["(no site)"])
def test_page_over_http(page, server, rel):
    problems = _check_page(page, server + rel, server, SITE / rel)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / _shot_name(rel)), full_page=True)
    assert not problems, f"{rel}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("rel", PAGES or ["(no site)"])
def test_page_from_file(page, rel):
    base = SITE.as_uri() + "/"
    problems = _check_page(page, (SITE / rel).as_uri(), base, SITE / rel)
    assert not problems, f"{rel} (file://):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_search_finds_a_term(page, server, scheme):
    base = server if scheme == "http" else SITE.as_uri() + "/"
    page.goto(base + "search.html?q=receptive")
    page.wait_for_selector("#search-results li", timeout=15000)
    hits = page.locator("#search-results li").count()
    assert hits > 0, "the search page found nothing for 'receptive'"
    assert not page.problems, page.problems
    assert not [u for u in page.requests if _outside(u, base)]


def test_every_chapter_is_tested():
    assert PAGES, f"no built site at {SITE}"
    chapters = {p.stem for p in (ROOT / "book").glob("*.ipynb")} | {p.stem for p in (ROOT / "book").glob("*.md")}
    tested = {pathlib.PurePath(p).stem for p in PAGES if p.startswith("book/")}
    assert chapters <= tested, f"pages not in the built site: {sorted(chapters - tested)}"
