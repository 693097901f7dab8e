"""Sphinx glue for the book: the claims index, and clean pages.

* ``{claims-index}`` (a directive) is replaced by a table of every claim the
  notebooks assert, collected from their executed outputs at build time, with a
  link to the cell that checks it. The index therefore cannot fall out of date:
  a claim exists on it only if it ran and passed in this build.
* Citations read "Goodfellow et al. (2016)" and "(LeCun et al., 1998)"
  (the ``author_year_round`` reference style).
* The site's ``index.html``, which sphinx-external-toc writes as a bare
  ``<meta>`` redirect, becomes a small page with a title and a link for
  readers whose browser does not follow the redirect; and the site root gets
  ``assets/favicon.ico`` (the 3 × 3 kernel of ``favicon.svg``), which browsers
  ask for on pages that name no icon, such as that redirect (without it the server
  answers 404 and the browser logs an error). The themes' source maps
  (``.map`` files, debugging aids) are not shipped, nor the theme's icon
  script (its stylesheet draws the same icons with a web font).
* Every executed notebook's run time is reported at the end of reading, and
  one that took longer than ``convbook_max_notebook_seconds`` (60 s) is a
  warning, so the strict build fails on it. (A cell that hangs fails sooner:
  ``execute.timeout`` in ``_config.yml`` bounds every cell.)
* Scripts that two extensions both add to every page (Jupyter Book 1 registers
  sphinx-thebe's and sphinx-togglebutton's inline configuration twice, which
  makes the browser report ``THEBE_JS_URL`` as already declared) are emitted
  once.
"""

from __future__ import annotations

import html
import pathlib
import re
import shutil
from dataclasses import dataclass, field
from typing import Any

import sphinxcontrib.bibtex.plugin
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")")


@dataclass
class RoundAuthorYear(AuthorYearReferenceStyle):
    """Author-year citations in round brackets: Goodfellow et al. (2016), (LeCun et al., 1998)."""

    bracket_parenthetical: BracketStyle = field(default_factory=_round)
    bracket_textual: BracketStyle = field(default_factory=_round)
    bracket_author: BracketStyle = field(default_factory=_round)
    bracket_label: BracketStyle = field(default_factory=_round)
    bracket_year: BracketStyle = field(default_factory=_round)


sphinxcontrib.bibtex.plugin.register_plugin(
    "sphinxcontrib.bibtex.style.referencing", "author_year_round", RoundAuthorYear)

CLAIM_HTML = re.compile(
    r'<div class="convbook-claim" id="(?P<anchor>[^"]+)"(?: title="[^"]*" data-source="(?P<source>[^"]*)")?>'
    r'<span class="claim-mark">✓</span> <span class="claim-statement">(?P<statement>.*?)</span>'
    r'(?:: <span class="claim-value">(?P<value>.*?)</span>)?'
    r'(?:<span class="claim-stated"> \(stated (?P<stated>.*?)\)</span>)?</div>',
    re.S,
)


@dataclass(frozen=True)
class ClaimRecord:
    """One claim as shown on a built page: the value in words, the stated value where it reads differently."""

    anchor: str
    statement: str
    value: str
    stated: str
    source: str


def parse_claims(text: str) -> list[ClaimRecord]:
    """Every claim display (the HTML that ``convbook.claim`` emits) in ``text``, in order."""
    return [
        ClaimRecord(m["anchor"], html.unescape(m["statement"]), html.unescape(m["value"] or ""),
                    html.unescape(m["stated"] or ""), html.unescape(m["source"] or ""))
        for m in CLAIM_HTML.finditer(text)
    ]


class claims_index(nodes.General, nodes.Element):
    """Placeholder, replaced by the table once every page has been read."""


class ClaimsIndexDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        self.env.convbook_claims_pages = getattr(self.env, "convbook_claims_pages", set()) | {self.env.docname}
        return [claims_index("")]


def _collect(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    store: dict[str, list[ClaimRecord]] = env.__dict__.setdefault("convbook_claims", {})
    found: dict[str, ClaimRecord] = {}
    for node in doctree.findall(nodes.raw):
        if "html" in node.get("format", "") and "convbook-claim" in node.astext():
            for rec in parse_claims(node.astext()):
                found.setdefault(rec.anchor, rec)
    if found:
        store[env.docname] = list(found.values())
    else:
        store.pop(env.docname, None)


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    env.__dict__.get("convbook_claims", {}).pop(docname, None)
    pages = getattr(env, "convbook_claims_pages", set())
    pages.discard(docname)


def _merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    env.__dict__.setdefault("convbook_claims", {}).update(
        {d: v for d, v in other.__dict__.get("convbook_claims", {}).items() if d in docnames})
    env.convbook_claims_pages = getattr(env, "convbook_claims_pages", set()) | getattr(
        other, "convbook_claims_pages", set())


def _always_rebuild_index(app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    return sorted(getattr(env, "convbook_claims_pages", set()))


def _toc_order(env: Any) -> list[str]:
    order: list[str] = []

    def walk(doc: str) -> None:
        if doc in order:
            return
        order.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(env.config.root_doc)
    return order


def _cell(*children: nodes.Node) -> nodes.entry:
    entry = nodes.entry()
    para = nodes.paragraph()
    para.extend(children)
    entry += para
    return entry


def _resolve(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    env = app.env
    store: dict[str, list[ClaimRecord]] = env.__dict__.get("convbook_claims", {})
    for placeholder in list(doctree.findall(claims_index)):
        order = [d for d in _toc_order(env) if d in store]
        order += sorted(set(store) - set(order))
        total = sum(len(store[d]) for d in order)
        out: list[nodes.Node] = [nodes.paragraph(
            text=f"{total} claims in {len(order)} chapters, each checked when this site was built.")]
        for doc in order:
            title = env.titles[doc].astext() if doc in env.titles else doc
            section = nodes.rubric(text=f"{title} ({len(store[doc])})")
            table = nodes.table(classes=["convbook-claims-index"])
            group = nodes.tgroup(cols=4)
            table += group
            for width in (50, 20, 18, 12):
                group += nodes.colspec(colwidth=width)
            head = nodes.thead()
            row = nodes.row()
            for label in ("claim", "computed value", "source", "checked in"):
                row += _cell(nodes.Text(label))
            head += row
            group += head
            body = nodes.tbody()
            for rec in store[doc]:
                uri = app.builder.get_relative_uri(fromdocname, doc) + "#" + rec.anchor
                link = nodes.reference("", "", nodes.Text("cell"), refuri=uri, internal=True)
                row = nodes.row()
                row += _cell(nodes.Text(rec.statement))
                shown = rec.value + (f" (stated {rec.stated})" if rec.stated else "")
                row += _cell(nodes.Text(shown or "holds"))
                row += _cell(nodes.Text(rec.source or "this book"))
                row += _cell(link)
                body += row
            group += body
            out += [section, table]
        placeholder.replace_self(out)


def _dedupe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (str(getattr(script, "filename", script) or ""), attributes.get("body", ""))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def _describe_figures(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give each captioned figure's image its caption as text alternative.

    Notebook figures otherwise get their file name as ``alt``, which a screen
    reader reads out as a hash.
    """
    for figure in doctree.findall(nodes.figure):
        captions = [c for c in figure.children if isinstance(c, nodes.caption)]
        if not captions:
            continue
        text = " ".join(captions[0].astext().split())
        for image in figure.findall(nodes.image):
            if not image.get("alt") or image["alt"] == image.get("uri"):
                image["alt"] = text


BARE_REDIRECT = re.compile(r'\s*<meta http-equiv="Refresh" content="0; url=([^"<>]+)"\s*/?>\s*', re.I)


def redirect_page(target: str, title: str) -> str:
    """A complete HTML page that sends the reader on to ``target``."""
    target, title = html.escape(target), html.escape(title)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Refresh" content="0; url={target}">\n<title>{title}</title>\n</head>\n'
            f'<body>\n<p><a href="{target}">{title}</a></p>\n</body>\n</html>\n')


SOURCE_MAP_COMMENT = re.compile(r"\n?/[/*]# sourceMappingURL=[^\n]*?(?:\*/)?\s*$")


def drop_source_maps(static: pathlib.Path) -> int:
    """Delete the themes' ``.map`` files (debugging aids for their authors) and the comments that name them.

    Returns the number of bytes removed.
    """
    removed = 0
    for path in list(static.rglob("*.map")):
        removed += path.stat().st_size
        path.unlink()
    for path in list(static.rglob("*.js")) + list(static.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        stripped = SOURCE_MAP_COMMENT.sub("\n", text)
        if stripped != text:
            path.write_text(stripped, encoding="utf-8", errors="surrogateescape")
    return removed


ICON_SCRIPT = "scripts/fontawesome.js"


def drop_icon_script(static: pathlib.Path) -> int:
    """Empty the theme's Font Awesome script (1.5 MB of JavaScript that redraws every icon as SVG).

    The theme's stylesheet already draws the same icons with the Font Awesome
    web fonts, which the pages load anyway; the script file stays (the
    theme's pages name it) with a comment saying why it is empty. Returns
    the number of bytes removed.
    """
    path = static / ICON_SCRIPT
    if not path.exists():
        return 0
    before = path.stat().st_size
    path.write_text("/* Icons are drawn by the theme's stylesheet with the Font Awesome web fonts. */\n",
                    encoding="utf-8")
    return before - path.stat().st_size


def _finish_site(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = pathlib.Path(app.outdir)
    shutil.copyfile(pathlib.Path(app.srcdir) / "assets" / "favicon.ico", out / "favicon.ico")
    drop_source_maps(out / "_static")
    drop_icon_script(out / "_static")
    index = out / "index.html"
    found = BARE_REDIRECT.fullmatch(index.read_text(encoding="utf-8")) if index.exists() else None
    if found:
        title = app.config.html_title or app.config.project
        index.write_text(redirect_page(found.group(1), title), encoding="utf-8")


def execution_times(env: Any) -> dict[str, float]:
    """Seconds each notebook took to execute in this build, by document name (as myst-nb recorded them)."""
    from myst_nb.sphinx_ import NbMetadataCollector

    times = {}
    for docname in sorted(env.found_docs):
        data = NbMetadataCollector.get_doc_data(env).get(docname, {}).get("exec_data")
        if data and data.get("runtime") is not None:
            times[docname] = float(data["runtime"])
    return times


def slow_notebooks(times: dict[str, float], limit: float) -> list[str]:
    """A warning for each notebook that took longer than ``limit`` seconds to execute."""
    return [f"{doc} took {t:.1f} s to execute, over the {limit:g} s a chapter may take "
            "(convbook_max_notebook_seconds)" for doc, t in times.items() if t > limit]


def _report_execution(app: Sphinx, env: Any) -> None:
    times = execution_times(env)
    if not times:
        return
    log = logging.getLogger(__name__)
    log.info("notebook execution times: " + ", ".join(f"{doc} {t:.1f} s" for doc, t in times.items()))
    for message in slow_notebooks(times, float(app.config.convbook_max_notebook_seconds)):
        log.warning(message)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("convbook_max_notebook_seconds", 60, "env")
    app.connect("env-check-consistency", _report_execution)
    app.add_node(claims_index)
    app.add_directive("claims-index", ClaimsIndexDirective)
    app.connect("doctree-read", _collect)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _always_rebuild_index)
    app.connect("doctree-resolved", _resolve)
    app.connect("doctree-resolved", _describe_figures)
    app.connect("html-page-context", _dedupe_scripts, priority=999)
    # after sphinx-external-toc has written its redirect (default priority 500)
    app.connect("build-finished", _finish_site, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
