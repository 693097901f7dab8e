"""Build one chapter alone and report how its page reads: for working on a chapter without building the book.

Usage: .venv/bin/python tests/build_chapter.py STEM [--no-build]

Builds the intro, the chapter ``book/STEM.ipynb``, the glossary and the
references into ``/tmp/convbook-page-STEM/_build/html`` (the book's own
``_build`` is left alone), then prints what the site check and the browser
test would say about the chapter's page: numbers in the prose that nothing
computed, claim lines that show code, the share of visible code and the
longest unfolded cell, figures drawn wider than shown, sideways scrolling on a
phone. Screenshots (desktop and phone, light and dark) go to
``/tmp/convbook-page-STEM/shots/``.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import check_site  # noqa: E402
import page_metrics  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
from site_server import find_chromium, serve  # noqa: E402


def build(stem: str, out: pathlib.Path) -> pathlib.Path:
    out.mkdir(parents=True, exist_ok=True)
    toc = out / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nparts:\n  - caption: Chapters\n    numbered: true\n"
                   f"    chapters:\n      - file: book/{stem}\n  - caption: About\n    chapters:\n"
                   "      - file: book/glossary\n      - file: book/references\n", encoding="utf-8")
    shutil.rmtree(out / "_build", ignore_errors=True)
    run = subprocess.run([str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", str(ROOT), "--toc", str(toc),
                          "--path-output", str(out)], cwd=ROOT, capture_output=True, text=True)
    (out / "build.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
    run.check_returncode()
    return out / "_build" / "html"


#: Warnings that only a one-chapter build gives (links to the chapters it leaves out).
PARTIAL_BUILD_WARNINGS = ("unknown document", "undefined label", "not included in any toctree", "toctree contains")


def build_warnings(log: str, stem: str) -> list[str]:
    """The build's warnings about this chapter that the strict build of the whole book (-W) would fail on."""
    return [f"build warning: {line.strip()}" for line in log.splitlines()
            if "WARNING" in line and f"{stem}.ipynb" in line and not any(w in line for w in PARTIAL_BUILD_WARNINGS)]


def report(stem: str, site: pathlib.Path, shots: pathlib.Path) -> int:
    page = site / "book" / f"{stem}.html"
    text = page.read_text(encoding="utf-8")
    problems = [f"prose number {n}: …{c}…" for n, c in check_site.prose_numbers(text)]
    problems += [p for p in check_site.claim_lines_in_code(site) if f"{stem}.html" in p]
    log = site.parent.parent / "build.log"
    if log.exists():
        problems += build_warnings(log.read_text(encoding="utf-8"), stem)
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    executable = find_chromium()
    with serve(site) as base, sync_playwright() as pw:
        url = f"{base}book/{stem}.html"
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        for device, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
            for scheme in ("light", "dark"):
                context = browser.new_context(viewport=viewport, color_scheme=scheme,
                                              is_mobile=device == "phone", device_scale_factor=1)
                p = context.new_page()
                p.goto(url)
                p.wait_for_load_state("load")
                p.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
                p.wait_for_timeout(300)
                if scheme == "light":
                    if device == "desktop":
                        m = page_metrics.code_metrics(p)
                        print(f"visible code: {m['share']:.1%} of {m['page_px']:.0f} px; longest visible cell "
                              f"{m['longest_cell']} lines; page {page_metrics.page_bytes(p):,} bytes")
                        problems += page_metrics.code_problems(p) + page_metrics.image_problems(p)
                    else:
                        problems += page_metrics.overflow_problems(p)
                p.screenshot(path=str(shots / f"{device}-{scheme}.png"), full_page=True)
                context.close()
        browser.close()
    print(f"screenshots: {shots}/{{desktop,phone}}-{{light,dark}}.png")
    for problem in problems:
        print("PROBLEM:", problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    stem = sys.argv[1]
    out = pathlib.Path(f"/tmp/convbook-page-{stem}")
    site = out / "_build" / "html" if "--no-build" in sys.argv else build(stem, out)
    sys.exit(report(stem, site, out / "shots"))
