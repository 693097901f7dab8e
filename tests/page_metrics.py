"""How a built chapter page reads, measured in the browser: shared by the browser test and ``tests/build_chapter.py``.

Each function takes a Playwright page that has loaded a chapter and returns
numbers or a list of problems in words.
"""

from __future__ import annotations

#: Budgets of a chapter page (issue "The page as a reader meets it").
MAX_CODE_SHARE = 0.25       # visible code input, as a share of the article's height
MAX_VISIBLE_CELL_LINES = 25  # lines of the longest code cell shown unfolded
MAX_IMAGE_DOWNSCALE = 1.10   # natural width / shown width of a figure, on a desktop screen
MAX_PAGE_BYTES = 2_000_000   # bytes transferred for a page without widgets

CODE_METRICS = """() => {
    const article = document.querySelector('article.bd-article') || document.body;
    const visible = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    let code = 0, longest = 0, longestText = '';
    article.querySelectorAll('.cell .cell_input').forEach(e => {
        if (!visible(e) || e.closest('details:not([open])')) return;  // folded: in a closed <details>
        code += e.getBoundingClientRect().height;
        const text = (e.querySelector('pre') || e).textContent.replace(/\\n+$/, '');
        const lines = text.split('\\n').length;
        if (lines > longest) { longest = lines; longestText = text.slice(0, 80); }
    });
    const height = article.getBoundingClientRect().height;
    return {code_px: code, page_px: height, share: height ? code / height : 0,
            longest_cell: longest, longest_start: longestText};
}"""

IMAGES = """() => Array.from(document.querySelectorAll('article.bd-article img')).filter(i => i.clientWidth > 0)
    .map(i => ({src: i.getAttribute('src'), natural: i.naturalWidth, shown: i.clientWidth}))"""

OVERFLOW = """() => {
    const INSIDE_SCROLLERS = '.table-wrapper, .pst-scrollable-table-container, pre, .highlight, mjx-container, '
        + '.cell_output .output, table';
    const doc = document.documentElement;
    const wide = Array.from(document.querySelectorAll('article.bd-article *')).filter(e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.right > doc.clientWidth + 1 && !e.closest(INSIDE_SCROLLERS);
    }).slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + String(e.className).split(' ')[0] + ': '
                        + (e.textContent || '').trim().slice(0, 40));
    return {scroll: doc.scrollWidth, client: doc.clientWidth, wide: wide};
}"""

WEIGHT = """() => {
    const entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
    return entries.reduce((sum, e) => sum + (e.encodedBodySize || e.transferSize || 0), 0);
}"""


def code_metrics(page) -> dict:
    """Visible code height, page height, their ratio and the longest unfolded code cell (in lines)."""
    return page.evaluate(CODE_METRICS)


def code_problems(page) -> list[str]:
    m = code_metrics(page)
    problems = []
    if m["share"] > MAX_CODE_SHARE:
        problems.append(f"visible code is {m['share']:.0%} of the page (at most {MAX_CODE_SHARE:.0%})")
    if m["longest_cell"] > MAX_VISIBLE_CELL_LINES:
        problems.append(f"a visible code cell has {m['longest_cell']} lines (at most {MAX_VISIBLE_CELL_LINES}): "
                        f"{m['longest_start']!r}")
    return problems


def image_problems(page) -> list[str]:
    """Figures the page shrinks by more than 10 % (drawn wider than shown: their text ends up too small)."""
    return [f"figure {i['src'].rsplit('/', 1)[-1][:24]} is drawn {i['natural']} px wide and shown at {i['shown']} px"
            for i in page.evaluate(IMAGES) if i["natural"] > MAX_IMAGE_DOWNSCALE * i["shown"]]


def overflow_problems(page) -> list[str]:
    """The page scrolls sideways (on a phone): which elements stick out."""
    m = page.evaluate(OVERFLOW)
    if m["scroll"] <= m["client"] + 1:
        return []
    return [f"the page scrolls sideways: {m['scroll']} px of content in a {m['client']} px window; "
            + "; ".join(m["wide"])]


def page_bytes(page) -> int:
    """Bytes the page and everything it loaded took (bodies as sent; the browser cache is off)."""
    return int(page.evaluate(WEIGHT))
