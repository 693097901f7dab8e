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
import os
import pathlib
import re
import sys
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import page_metrics  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
from site_server import ChromiumUnavailable, find_chromium, is_snap_wrapper, serve  # noqa: E402

SITE = pathlib.Path(os.environ.get("CONVBOOK_SITE", ROOT / "_build" / "html")).resolve()
SHOTS = SITE.parent / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
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
    try:
        executable = find_chromium()
    except ChromiumUnavailable as missing:
        _unavailable(str(missing))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - it is pinned in requirements.txt
        _unavailable("the Python package playwright is not installed (see requirements.txt)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server():
    with serve(SITE, compress=True) as base:  # compressed, as hosts serve it (the page-weight budget)
        yield base


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
                out.push('widget cell ' + i + ' carries no note that its controls live in Jupyter');
            if (!cell.querySelector('.cell_output img'))
                out.push('widget cell ' + i + ' shows no picture of its figure');
            if (cell.querySelector('input, select, button.widget-button, .jupyter-widgets'))
                out.push('widget cell ' + i + ' shows controls that would move nothing');
            const next = cells[i + 1];
            if (!next || !next.classList.contains('tag_static-fallback'))
                out.push('widget cell ' + i + ' is not followed by a static-fallback cell');
            else if (!next.querySelector('img, svg, video, .animation, canvas'))
                out.push('static fallback after widget cell ' + i + ' shows no picture or animation');
        });
        if (document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]'))
            out.push('a live widget is embedded (the site has no kernel behind it)');
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


def test_search_summaries_show_no_tex(page, server):
    """Sphinx cuts each hit's summary from the page's HTML, where mathematics is TeX source: it is left out."""
    page.goto(server + "search.html?q=padding")
    page.wait_for_selector("#search-results li p.context", timeout=15000)
    page.wait_for_timeout(1000)
    summaries = page.locator("#search-results li p.context").all_text_contents()
    assert summaries, "no search summaries for 'padding'"
    tex = [t for t in summaries if re.search(r"\\[a-zA-Z]+|\\[()\[\]]|\$\$", t)]
    assert not tex, f"search summaries show TeX: {tex[:2]}"


def test_every_chapter_is_tested():
    assert PAGES, f"no built site at {SITE}"
    chapters = {p.stem for p in (ROOT / "book").glob("*.ipynb")} | {p.stem for p in (ROOT / "book").glob("*.md")}
    tested = {pathlib.PurePath(p).stem for p in PAGES if p.startswith("book/")}
    assert chapters <= tested, f"pages not in the built site: {sorted(chapters - tested)}"


# --- the page as a reader meets it: budgets, phone, dark mode, weight -----------------------------------------

CHAPTERS = sorted(f"book/{p.stem}.html" for p in (ROOT / "book").glob("*.ipynb"))


def _is_redirect(rel: str) -> bool:
    return 'http-equiv="refresh"' in (SITE / rel).read_text(encoding="utf-8", errors="replace").lower()


def _open(browser, url: str, **context_args):
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.goto(url)
    _settle(page)
    return context, page


@pytest.mark.parametrize("rel", CHAPTERS)
def test_chapter_reads_as_a_book_on_a_desktop(browser, server, rel):
    """Visible code at most 25 % of the page, no unfolded cell over 25 lines, no figure shrunk by over 10 %."""
    context, page = _open(browser, server + rel, viewport={"width": 1280, "height": 900})
    m = page_metrics.code_metrics(page)
    problems = page_metrics.code_problems(page) + page_metrics.image_problems(page)
    context.close()
    print(f"{rel}: visible code {m['share']:.1%} of the page, longest visible cell {m['longest_cell']} lines")
    assert not problems, f"{rel}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("rel", PAGES or ["(no site)"])
def test_page_fits_a_phone(browser, server, rel):
    """At 390 px nothing scrolls sideways (wide tables and code scroll inside themselves)."""
    if _is_redirect(rel):
        pytest.skip("a redirect page: the page it leads to is measured")
    context, page = _open(browser, server + rel, viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True)
    problems = page_metrics.overflow_problems(page)
    context.close()
    assert not problems, f"{rel}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("side, panel", [("primary", "chapters"), ("secondary", "contents")])
def test_phone_toggles_open_their_panels(browser, server, side, panel):
    rel = CHAPTERS[-1]
    context, page = _open(browser, server + rel, viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True)
    buttons = page.locator(f".{side}-toggle")
    visible = [i for i in range(buttons.count()) if buttons.nth(i).is_visible()]
    assert visible, f"no visible {side} toggle on a phone"
    buttons.nth(visible[0]).tap()
    page.wait_for_timeout(400)
    opened = page.evaluate(f"""() => {{
        const dialog = document.querySelector('#pst-{side}-sidebar-modal');
        if (!dialog || !dialog.open) return 0;
        const r = dialog.getBoundingClientRect();
        return dialog.querySelectorAll('a').length && r.width > 100 ? dialog.querySelectorAll('a').length : 0;
    }}""")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-{panel}-panel.png"))
    context.close()
    assert opened, f"tapping the {panel} button on a phone opened no panel with links"


def _contrast(page, selector: str) -> list[float]:
    """WCAG contrast ratio of the text of each element matching ``selector`` against what is behind it."""
    return page.evaluate("""(selector) => {
        const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => {
            const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const background = e => {
            for (; e; e = e.parentElement) {
                const c = rgb(getComputedStyle(e).backgroundColor);
                if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
            }
            return [255, 255, 255];
        };
        return Array.from(document.querySelectorAll(selector)).slice(0, 20).map(e => {
            const a = lum(rgb(getComputedStyle(e).color).slice(0, 3)), b = lum(background(e));
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        });
    }""", selector)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("rel", CHAPTERS)
def test_claim_lines_read_in_light_and_dark_mode(browser, server, rel, scheme):
    context, page = _open(browser, server + rel, viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page.evaluate(f"() => document.documentElement.dataset.theme = '{scheme}'")
    page.wait_for_timeout(100)
    ratios = _contrast(page, ".convbook-claim .claim-statement, .convbook-claim-group > summary")
    behind = page.evaluate("""() => getComputedStyle(document.querySelector(
        '.cell_output .output.text_html:has(.convbook-claim, .convbook-claim-group)')).backgroundColor""")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{rel.replace('/', '__').removesuffix('.html')}-{scheme}.png"), full_page=True)
    context.close()
    assert ratios and min(ratios) >= 4.5, f"{rel} ({scheme}): claim text contrast {min(ratios or [0]):.1f} < 4.5"
    assert behind in ("rgba(0, 0, 0, 0)", "transparent"), f"{rel} ({scheme}): claim lines sit on a box ({behind})"


@pytest.mark.parametrize("rel", PAGES or ["(no site)"])
def test_page_weight(browser, server, rel):
    """What a reader's browser downloads for one page (empty cache, served compressed as hosts do): at most 2 MB."""
    if _is_redirect(rel):
        pytest.skip("a redirect page: the page it leads to is measured")
    context, page = _open(browser, server + rel, viewport={"width": 1280, "height": 900})
    weight = page_metrics.page_bytes(page)
    context.close()
    print(f"{rel}: {weight:,} bytes")
    assert weight <= page_metrics.MAX_PAGE_BYTES, f"{rel} transfers {weight:,} bytes"


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_one_search_box(browser, server, viewport):
    """One way into search on the screen (the sidebar's box on a desktop, the header's button on a phone)."""
    context, page = _open(browser, server + CHAPTERS[0], viewport=viewport)
    count = """() => Array.from(document.querySelectorAll('.search-button-field, .search-button, form.bd-search'))
        .filter(e => !e.parentElement.closest('.search-button-field, .search-button, form.bd-search'))
        .filter(e => {
            const r = e.getBoundingClientRect();
            return e.getClientRects().length > 0 && r.width > 0 && r.right > 0 && r.left < window.innerWidth;
        }).length"""
    shown = page.evaluate(count)
    page.add_style_tag(content=".bd-header { display: flex !important; }")  # the theme's own header, for contrast
    with_header = page.evaluate(count)
    context.close()
    assert shown == 1, f"{shown} search boxes or buttons on the screen"
    if viewport["width"] > 960:
        assert with_header > shown  # the check sees the second box the theme's header would add


def test_ubuntus_snap_chromium_is_recognised(tmp_path):
    wrapper = tmp_path / "chromium-browser"
    wrapper.write_text("#!/bin/sh\n# transitional package\nexec /snap/bin/chromium \"$@\"\n")
    assert is_snap_wrapper(str(wrapper))
    binary = tmp_path / "chromium"
    binary.write_bytes(b"\x7fELF" + b"\0" * 64)
    assert not is_snap_wrapper(str(binary))


AXE = os.environ.get("CONVBOOK_AXE") or next(iter(sorted((ROOT / "_testvendor").glob("axe-*.min.js"))), None)


@pytest.mark.parametrize("rel", PAGES or ["(no site)"])
def test_page_has_no_serious_accessibility_violation(browser, server, rel):
    """axe-core (vendored by `make browser`) on every page: no serious or critical violation."""
    if not AXE or not pathlib.Path(AXE).is_file():
        _unavailable("axe-core is not vendored: run `make browser` (it fetches axe-core with npm)")
    if _is_redirect(rel):
        pytest.skip("a redirect page: the page it leads to is checked")
    context, page = _open(browser, server + rel, viewport={"width": 1280, "height": 900})
    page.add_script_tag(content=pathlib.Path(AXE).read_text(encoding="utf-8"))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' (' + v.nodes.length + ', e.g. '
                  + v.nodes[0].target.join(' ') + ')')""")
    context.close()
    assert not violations, f"{rel}:\n  " + "\n  ".join(violations)


def test_the_book_as_one_pdf():
    """make pdf: every page of the book in reading order, chapter bookmarks, no widget repr, linked from the intro."""
    pdf = SITE / "convbook.pdf"
    if not pdf.is_file():
        _unavailable(f"no {pdf}: run `make pdf` (make test does)")
    import check_site
    from pypdf import PdfReader

    assert pdf.stat().st_size <= check_site.MAX_PDF_BYTES, f"the PDF weighs {pdf.stat().st_size:,} bytes"
    reader = PdfReader(pdf)
    import unicodedata

    # NFKC undoes the typesetter's ligatures ("ﬁ" in "scientific"); lines may break anywhere
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", "\n".join(p.extract_text() or "" for p in reader.pages)))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    chapters = sorted((ROOT / "book").glob("*.ipynb"))
    assert len(reader.pages) >= 10 * len(chapters), f"only {len(reader.pages)} pages"
    for nb in chapters:
        import json

        first = "".join(json.loads(nb.read_text(encoding="utf-8"))["cells"][0]["source"]).splitlines()[0]
        title = first.lstrip("# ").strip()
        assert any(title in t for t in titles), f"no bookmark for the chapter {title!r}: {titles}"
        assert title in text, f"the chapter title {title!r} is not in the PDF's text"
    for junk in ("VBox(children", "interactive(children", "<Figure size", "Traceback (most recent call last)"):
        assert junk not in text, f"the PDF shows {junk!r}"
    assert 'href="../convbook.pdf"' in (SITE / "book" / "intro.html").read_text(encoding="utf-8")
