"""Fail if a built page loads anything from outside the site, shows what a reader should not see
(a Python object repr, a Markdown table as text), or has a link or erratum that does not resolve.

Usage: python tests/check_site.py _build/html
"""

from __future__ import annotations

import pathlib
import re
import sys

EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//[^"']+""", re.I)


def _pages(root: pathlib.Path):
    for page in sorted(root.rglob("*.html")):
        yield page.relative_to(root), page.read_text(encoding="utf-8", errors="replace")


def _hits(root: pathlib.Path, pattern: re.Pattern[str], describe) -> list[str]:
    """``page: describe(match)`` for every match of ``pattern`` in every page."""
    return [f"{rel}: {describe(m)}" for rel, text in _pages(root) for m in pattern.finditer(text)]


def external_loads(root: pathlib.Path) -> list[str]:
    """Scripts, styles, images and frames loaded from another host."""
    return _hits(root, EXTERNAL, lambda m: m.group(0)[:160])


LINK = re.compile(r"""<a\b[^>]*\bhref=["']([^"':#]+\.html)?#([^"']+)["']""", re.I)
ID = re.compile(r"""\bid=["']([^"']+)["']""")
CLAIM = re.compile(r'<div class="convbook-claim" id="([^"]+)"([^>]*>.*?)</div>', re.S)


def broken_anchors(root: pathlib.Path) -> list[str]:
    """Internal links ``page.html#id`` whose page or id does not exist."""
    ids: dict[pathlib.Path, set[str]] = {}
    bad = []
    for rel, text in _pages(root):
        page = root / rel
        for target, anchor in LINK.findall(text):
            dest = (page.parent / target).resolve() if target else page.resolve()
            if dest not in ids:
                ids[dest] = set(ID.findall(dest.read_text(encoding="utf-8"))) if dest.exists() else set()
            if anchor not in ids[dest]:
                bad.append(f"{rel}: link to {target}#{anchor} finds no such id")
    return bad


REPR = re.compile(r"&lt;(?:Figure size [^&]*|[A-Za-z_][\w.]* object at 0x[0-9a-f]+|[A-Za-z_][\w.]* at 0x[0-9a-f]+)&gt;")


def stray_reprs(root: pathlib.Path) -> list[str]:
    """Python object reprs printed into a page (``<Figure size ...>``, ``<... at 0x...>``).

    They appear when a figure cell ends on an expression whose value is displayed
    besides the figure; a reader should never see them.
    """
    return _hits(root, REPR, lambda m: f"a Python object repr on the page: {m.group(0)}")


RAW_TABLE = re.compile(r"\|\s*(?:—|–)+\s*\|")


def raw_markdown_tables(root: pathlib.Path) -> list[str]:
    """Markdown tables shown as text: smart quotes turn a table's ``|---|`` rule into ``|—|``."""
    return [f"{rel}: a Markdown table rendered as text" for rel, text in _pages(root) if RAW_TABLE.search(text)]


def missing_root_files(root: pathlib.Path) -> list[str]:
    """Files a browser asks the site root for by itself: ``favicon.ico`` (on pages that name no icon)."""
    return [f"{name} is missing from the site root" for name in ("index.html", "favicon.ico")
            if not (root / name).is_file()]


def errata_mismatches(root: pathlib.Path) -> list[str]:
    """Rows of the errata page whose links do not land on a claim tagged with the row's item."""
    page = root / "book" / "errata.html"
    if not page.exists():
        return ["book/errata.html is missing"]
    bad = []
    claims: dict[tuple[pathlib.Path, str], str] = {}
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page.read_text(encoding="utf-8"), re.S)
    for row in rows[1:]:
        item = re.search(r"\bB\d+\b", row)
        links = LINK.findall(row)
        if not item or not links:
            bad.append(f"errata row without an item or a link: {re.sub('<[^>]+>', ' ', row)[:80]}")
            continue
        for target, anchor in links:
            dest = (page.parent / target).resolve()
            if (dest, anchor) not in claims and dest.exists():
                for cid, text in CLAIM.findall(dest.read_text(encoding="utf-8")):
                    claims[(dest, cid)] = text
            text = claims.get((dest, anchor), "")
            if not re.search(rf"CLAIMS {item.group(0)}\b", text):
                bad.append(f"errata {item.group(0)}: {target}#{anchor} is not a claim tagged CLAIMS {item.group(0)}")
    return bad


def claims_index_mismatches(root: pathlib.Path) -> list[str]:
    """The claims index must list exactly the claims the chapter pages display."""
    page = root / "book" / "claims.html"
    if not page.exists():
        return ["book/claims.html is missing"]
    shown = set()
    for chapter in sorted((root / "book").glob("*.html")):
        if chapter.name != "claims.html":
            shown |= {(chapter.name, cid) for cid, _ in CLAIM.findall(chapter.read_text(encoding="utf-8"))}
    table = page.read_text(encoding="utf-8")
    listed = {(target, anchor) for target, anchor in LINK.findall(table) if anchor.startswith("claim-")}
    bad = [f"claims index does not list {t}#{a}" for t, a in sorted(shown - listed)]
    bad += [f"claims index lists {t}#{a}, which no chapter shows" for t, a in sorted(listed - shown)]
    if not shown:
        bad.append("no claims found on any chapter page")
    return bad


# --- numbers in a chapter's prose come from its computation -------------------------------------------------

#: A number as the book writes it: 267,960 / 0.316 / 1e-12 / 32.
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")
#: Numbers that are references, not results: "§9.3", "Fig. 9.8", "figs. 9.3 and 9.4", "seed 002", "CLAIMS B14".
REFERENCE = re.compile(
    r"(?:§|\b(?:[Ff]igs?\.|[Ff]igures?|[Ee]qs?\.|[Ee]quations?|[Ss]ections?|[Cc]hapters?|seeds?|CLAIMS|[Ee]xercises?|"
    r"[Tt]ables?|pp?\.|[Vv]ol\.|[Nn]o\.))\s*[A-Z]?\d+(?:\.\d+)*(?:\s*(?:,|and|or|–|-|to)\s*[A-Z]?\d+(?:\.\d+)*)*")
#: A number that is part of a name: VGG-16, ResNet-50, float64, CIFAR-10, 2-D, 3-D.
NAME = re.compile(r"\b[A-Za-z]+-?\d+\b|\b\d-D\b|\b\d+(?:st|nd|rd|th)\b")
#: Small whole numbers (counts such as "3 × 3", "2 outputs") and years are not checked.
SMALL, YEARS = 12, range(1900, 2100)


def _number(text: str) -> str:
    """A number token in one canonical form: '267,960' and '267960' and '2.50' and '2.5' read alike."""
    from decimal import Decimal

    return format(Decimal(text.replace(",", "")).normalize(), "f")


def _numbers(text: str) -> set[str]:
    return {_number(m.group(0)) for m in NUMBER.finditer(text)}


def prose_numbers(page_html: str) -> list[tuple[str, str]]:
    """Numbers in a chapter page's prose that no computation on the page produced: (number, its context).

    A number in the prose (text, headings, captions, lists, tables and
    mathematics, outside code cells and their outputs) is accounted for when
    it was glued from a cell (``{glue:text}``), when it is a value of a
    claim or any output on the page, or an input written in the page's
    code; references (§9.3, Fig. 9.8, seed 002, CLAIMS B14), names (VGG-16),
    years and whole numbers up to 12 are not checked.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser")
    article = soup.find("article") or soup
    if not article.select("div.cell"):
        return []  # not a chapter
    computed: set[str] = set()
    for caption in article.select("div.cell_output figcaption"):  # a figure's caption is prose
        article.append(caption.extract())
    for node in article.select("div.cell_input, div.cell_output, .pasted-text, .pasted-inline"):
        computed |= _numbers(node.get_text(" "))
        node.decompose()
    for node in article.select("a.reference, .headerlink, span.eqno, .footnote-reference, div.citation, "
                               ".section-number, .caption-number"):
        node.decompose()  # cross-references and citations: numbers of other things
    bad = []
    for block in article.find_all(["p", "li", "h1", "h2", "h3", "h4", "td", "th", "dt", "dd", "figcaption",
                                    "div"], recursive=True):
        if block.name == "div" and "math" not in (block.get("class") or []):
            continue
        if block.find(["p", "li", "td", "dd", "div"]) is not None and block.name in ("li", "td", "dd"):
            continue  # its paragraphs are checked one by one
        text = block.get_text(" ").replace("{,}", ",").replace("\\,", ",")  # TeX thousands: 1{,}400
        text = REFERENCE.sub(" ", text)
        text = NAME.sub(" ", text)
        for m in NUMBER.finditer(text):
            n = _number(m.group(0))
            if n in computed:
                continue
            if "." not in n and "E" not in n and (int(n) <= SMALL or int(n) in YEARS):
                continue
            context = " ".join(text[max(0, m.start() - 50): m.end() + 30].split())
            if (m.group(0), context) not in bad:
                bad.append((m.group(0), context))
    return bad


def untraced_numbers(root: pathlib.Path) -> list[str]:
    """Numbers typed in a chapter's prose that match no claim, glued value, output or code input on its page."""
    bad = []
    for rel, text in _pages(root):
        for number, context in prose_numbers(text):
            bad.append(f"{rel}: {number} in the prose is computed nowhere on the page (glue it): …{context}…")
    return bad


#: What a claim line must not show a reader: code (a dict, a call, an array repr), or the old tags.
CLAIM_CODE = re.compile(r"[{}]|\b(?:array|tensor|dict)\(|\bnp\.|\btorch\.[a-z]|\[CLAIMS|\(stated:|\\n")


#: Claims about the book's apparatus, which tests hold: a checker's self-test, a claim count, a run time.
APPARATUS = re.compile(r"\bchecker (?:accepts|rejects)\b|\bclaims checked\b|\bexecutes in\b|\bruns in under\b", re.I)


def claim_lines_in_code(root: pathlib.Path) -> list[str]:
    """Claim lines that show code (dict or repr text) instead of words, or speak of the apparatus, not the subject."""
    bad = []
    for rel, text in _pages(root):
        for cid, body in CLAIM.findall(text):
            shown = re.sub(r"<[^>]+>", "", body.split(">", 1)[1] if ">" in body else body)
            import html as _html

            shown = _html.unescape(shown)
            if CLAIM_CODE.search(shown):
                bad.append(f"{rel}#{cid}: the claim line shows code, not words: {shown[:120]}")
            if APPARATUS.search(shown):
                bad.append(f"{rel}#{cid}: a claim about the apparatus belongs in the tests: {shown[:120]}")
    return bad


def numbering_problems(root: pathlib.Path) -> list[str]:
    """Figures and exercises must be numbered within their chapter: Fig. 4.1, 4.2, ...; Exercise 4.1, 4.2, ..."""
    bad = []
    for rel, text in _pages(root):
        if 'class="cell' not in text:
            continue
        chapter = re.search(r'<h1>(?:<span class="section-number">)?(\d+)\.', text)
        if not chapter:
            bad.append(f"{rel}: the chapter has no number in its title")
            continue
        n = chapter.group(1)
        for kind, pattern in (("figure", r'caption-number">Fig\. ([\d.]+)'),
                              ("exercise", r'class="admonition-title"><span class="caption-number">Exercise ([\d.]+)')):
            found = list(dict.fromkeys(re.findall(pattern, text)))
            expected = [f"{n}.{k}" for k in range(1, len(found) + 1)]
            if found != expected:
                bad.append(f"{rel}: {kind} numbers {found} are not {expected}")
    return bad


#: Authoring syntax that only shows on a page when a role or directive was not parsed.
AUTHORING = re.compile(r"\{(?:term|doc|ref|cite(?::[pt])?|glue(?::\w+)?|numref|eq|math|prf:\w+)\}`"
                       r"|^\s*(?:```|:::)\{", re.M)


def authoring_syntax(root: pathlib.Path) -> list[str]:
    """MyST roles or directives shown to the reader as text (``{term}`x```, a stray ```` ```{ ````)."""
    from bs4 import BeautifulSoup

    bad = []
    for rel, text in _pages(root):
        if rel.parts[0].startswith("_") or rel.name in ("search.html", "genindex.html"):
            continue
        soup = BeautifulSoup(text, "html.parser")
        for node in soup.select("div.cell_input, pre, script, style, .highlight"):
            node.decompose()
        found = AUTHORING.search(soup.get_text(" "))
        if found:
            bad.append(f"{rel}: authoring syntax shown as text: {found.group(0)!r}")
    return bad


#: Words that send the reader to another chapter.
CHAPTER_REFERENCE = re.compile(
    r"\b(?:(?:the|a|this book's) (?:later |next |following |coming )?chapters? (?:on|about)|"
    r"(?:a|the) (?:later|next|following|coming) chapter|chapters? to come)\b", re.I)


def missing_chapter_references(root: pathlib.Path) -> list[str]:
    """Prose that refers to a chapter without linking to it: a link resolves (or fails the strict build) where
    words such as "the chapter on fast algorithms" promise a chapter that may not exist."""
    from bs4 import BeautifulSoup

    bad = []
    for rel, text in _pages(root):
        if rel.parts[0].startswith("_") or rel.name in ("search.html", "genindex.html"):
            continue
        soup = BeautifulSoup(text, "html.parser")
        article = soup.find("article") or soup
        for node in article.select("div.cell_input, pre, script, style"):
            node.decompose()
        for block in article.find_all(["p", "li", "dd", "td"]):
            for link in block.find_all("a"):
                link.replace_with(" [link] ")
            for m in CHAPTER_REFERENCE.finditer(block.get_text(" ")):
                rest = block.get_text(" ")[m.end(): m.end() + 60]
                if "[link]" not in re.split(r"[.;)]", rest)[0]:  # a link before the clause ends
                    bad.append(f"{rel}: refers to a chapter without a link: {m.group(0)!r}{rest[:30]!r}")
    return bad


def missing_licence(root: pathlib.Path) -> list[str]:
    """Pages whose footer does not state the text's licence (CC BY-SA 4.0)."""
    return [f"{rel}: no licence in the footer" for rel, text in _pages(root)
            if not rel.parts[0].startswith("_") and 'http-equiv="refresh"' not in text.lower()
            and "CC BY-SA 4.0" not in text]


#: The whole site may weigh at most this much (issue "The page as a reader meets it"), not counting the book's
#: PDF, a download that no page loads, which has a budget of its own.
MAX_SITE_BYTES = 15_000_000
#: The PDF prints the ten chapters and the about pages (about 1 MB a chapter, mostly its figures, which are
#: already stored at the size they are shown): 10.3 MB when the book reached ten chapters.
MAX_PDF_BYTES = 12_000_000


def site_weight(root: pathlib.Path) -> list[str]:
    """The site over its budget, the PDF over its own, or source maps shipped (debugging aids no reader needs)."""
    pdfs = [f for f in root.glob("*.pdf")]
    bad = [f"{f.name} weighs {f.stat().st_size:,} bytes, over {MAX_PDF_BYTES:,}" for f in pdfs
           if f.stat().st_size > MAX_PDF_BYTES]
    files = [f for f in root.rglob("*") if f.is_file() and f not in pdfs]
    total = sum(f.stat().st_size for f in files)
    bad += [f"{f.relative_to(root)}: a source map is shipped" for f in files if f.suffix == ".map"]
    if total > MAX_SITE_BYTES:
        biggest = sorted(files, key=lambda f: -f.stat().st_size)[:5]
        bad.append(f"the site weighs {total:,} bytes, over {MAX_SITE_BYTES:,}; largest: "
                   + ", ".join(f"{f.relative_to(root)} ({f.stat().st_size:,})" for f in biggest))
    return bad


if __name__ == "__main__":
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
    checks = (missing_root_files, external_loads, broken_anchors, stray_reprs,
              raw_markdown_tables, errata_mismatches, claims_index_mismatches, untraced_numbers, claim_lines_in_code,
              site_weight, numbering_problems, authoring_syntax,
              missing_chapter_references, missing_licence)
    bad = [problem for check in checks for problem in check(root)]
    if bad:
        print("site check failed:\n  " + "\n  ".join(bad))
        sys.exit(1)
    size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    print(f"{len(list(root.rglob('*.html')))} pages load nothing from outside the site; "
          "no object reprs or raw tables; "
          "internal anchors, errata links and the claims index resolve; "
          f"every number in the chapters' prose is computed; the site weighs {size / 1e6:.1f} MB")
