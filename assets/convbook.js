// Loaded on every page of the book.
(function () {
  // Opened from file://, the browser forbids the search page to fetch the
  // pages it found (Sphinx does so to show a summary of each); list the hits
  // without summaries instead of logging one blocked request per hit.
  if (window.location.protocol === "file:" && typeof DOCUMENTATION_OPTIONS !== "undefined") {
    DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
  }
})();
