"""Fail if a built page loads anything from outside the site.

Usage: python tests/check_site.py _build/html
"""

from __future__ import annotations

import pathlib
import re
import sys

EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//[^"']+""", re.I)


def external_loads(root: pathlib.Path) -> list[str]:
    found = []
    for page in sorted(root.rglob("*.html")):
        for m in EXTERNAL.finditer(page.read_text(encoding="utf-8", errors="replace")):
            found.append(f"{page.relative_to(root)}: {m.group(0)[:160]}")
    return found


if __name__ == "__main__":
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
    bad = external_loads(root)
    if bad:
        print("pages load resources from outside the site:\n  " + "\n  ".join(bad))
        sys.exit(1)
    print(f"{len(list(root.rglob('*.html')))} pages load nothing from outside the site")
