// Loaded on every page of the book.
(function () {
  // Opened from file://, the browser forbids the search page to fetch the
  // pages it found (Sphinx does so to show a summary of each); list the hits
  // without summaries instead of logging one blocked request per hit.
  if (window.location.protocol === "file:" && typeof DOCUMENTATION_OPTIONS !== "undefined") {
    DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
  }
})();

function convbookReady(f) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", f);
  else f();
}

// The sidebar buttons a reader sees on a narrow screen are the book theme's;
// pydata-sphinx-theme binds its handlers only to the first button of each
// kind, a hidden copy in its header. Pass a click on a visible button on to
// that copy, which opens the chapters (primary) or contents (secondary) panel.
convbookReady(function () {
  ["primary", "secondary"].forEach(function (side) {
    var buttons = document.querySelectorAll("." + side + "-toggle");
    var bound = buttons[0];
    Array.prototype.slice.call(buttons, 1).forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    });
  });
});

// Search summaries are cut from each page's HTML, where mathematics is still
// TeX source (MathJax typesets it in the browser): leave it out of them.
convbookReady(function () {
  if (typeof Search === "undefined" || !Search.makeSearchSummary) return;
  var summary = Search.makeSearchSummary;
  Search.makeSearchSummary = function (htmlText, keywords, anchor) {
    var text = String(htmlText)
      .replace(/<(span|div) class="math[^"]*">[\s\S]*?<\/\1>/g, " … ")
      .replace(/\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]|\$\$[\s\S]*?\$\$/g, " … ");
    return summary.call(this, text, keywords, anchor);
  };
});

// A cell tagged "widget" shows, on the site, the picture of the widget's
// first state: say that its controls live in Jupyter.
convbookReady(function () {
  document.querySelectorAll(".cell.tag_widget").forEach(function (cell) {
    if (cell.querySelector(".convbook-widget-note")) return;
    var output = cell.querySelector(".cell_output");
    if (!output) return;
    var note = document.createElement("p");
    note.className = "convbook-widget-note";
    note.textContent = "In Jupyter, this figure has controls that redraw it (launch the page in Binder or "
      + "Colab with the rocket button above, or run it locally). Here it shows its first state; "
      + "the figure after it shows the other states.";
    output.parentNode.insertBefore(note, output);
  });
});

// Accessible names that match what a reader sees (axe: label-content-name-mismatch):
// the search field's visible text is "Search Ctrl+K" but its label said "Search";
// a folded cell's toggle reads "Show code cell source" but was labelled "Toggle
// hidden content". Without the labels, each is named by its visible text. The
// bibliography's list role asked for list items its entries are not.
convbookReady(function () {
  document.querySelectorAll(".search-button-field[aria-label], details.hide > summary[aria-label]")
    .forEach(function (e) { e.removeAttribute("aria-label"); });
  document.querySelectorAll('.citation-list[role="list"]').forEach(function (e) { e.removeAttribute("role"); });
});
