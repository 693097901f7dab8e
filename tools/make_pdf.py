"""Print the built site into one PDF: every page of the book, in the order of _toc.yml.

Usage: python tools/make_pdf.py _build/html   (writes _build/html/convbook.pdf)

Each page is opened in Chromium (``CONVBOOK_CHROMIUM`` or Debian's
``chromium``, found as the browser test finds it: tools/site_server.py), its
mathematics typeset by MathJax, and printed with the site's print styles
(no sidebars; widgets as the pictures the site shows); the pages are merged
with pypdf, one bookmark per chapter, shared fonts and images stored once.
"""

from __future__ import annotations

import io
import pathlib
import sys

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from site_server import ChromiumUnavailable, find_chromium, serve  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
PDF_NAME = "convbook.pdf"


def toc_documents() -> list[str]:
    """The documents of _toc.yml in reading order: the root, then every chapter of every part."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    docs = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        docs += [c["file"] for c in part.get("chapters", [])]
    return docs


def make_pdf(site: pathlib.Path) -> pathlib.Path:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    try:
        executable = find_chromium()
    except ChromiumUnavailable as missing:
        sys.exit(f"make_pdf: {missing}")
    writer = PdfWriter()
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        for doc in toc_documents():
            page.goto(f"{base}{doc}.html")
            page.wait_for_load_state("load")
            page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
            page.emulate_media(media="print")
            title = page.evaluate("() => (document.querySelector('article h1') || {}).textContent || ''")
            data = page.pdf(format="A4", print_background=True,
                            margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
            writer.append(PdfReader(io.BytesIO(data)), outline_item=title.replace("#", "").strip() or doc)
        browser.close()
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    writer.add_metadata({"/Title": "Convolutional Networks, Computed", "/Author": "The convbook authors"})
    out = site / PDF_NAME
    with open(out, "wb") as f:
        writer.write(f)
    return out


if __name__ == "__main__":
    target = make_pdf(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html"))
    print(f"{target}: {target.stat().st_size / 1e6:.1f} MB")
