// Loaded on pages with embedded Jupyter widgets, after require.js and before
// the widget manager (@jupyter-widgets/html-manager, vendored in _static).
(function () {
  // The manager derives the address of its fonts from its AMD module id,
  // relative to the page; point that id at the vendored copy.
  var root = document.documentElement.dataset.content_root || "";
  if (window.require && window.require.config) {
    window.require.config({
      paths: { "@jupyter-widgets/html-manager/dist": root + "_static/html-manager" },
    });
  }
  // The manager typesets widget labels with the MathJax 2 call
  // MathJax.Hub.Queue; the site uses MathJax 3, so provide that call.
  var config = window.MathJax || {};
  var startup = config.startup || {};
  var previous = startup.ready;
  startup.ready = function () {
    if (previous) { previous(); } else { window.MathJax.startup.defaultReady(); }
    window.MathJax.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        if (element && window.MathJax.typesetPromise) {
          window.MathJax.typesetPromise([element]).catch(function () {});
        }
      },
    };
  };
  config.startup = startup;
  window.MathJax = config;
})();

// Images drawn by a widget (ipywidgets.Image) carry no alt text; describe them.
(function () {
  function describe(root) {
    root.querySelectorAll(".jupyter-widgets img:not([alt])").forEach(function (img) {
      img.setAttribute("alt", "image drawn by an interactive widget (a snapshot on this page; live in Jupyter or Binder)");
    });
  }
  new MutationObserver(function () { describe(document); })
    .observe(document.documentElement, { childList: true, subtree: true });
})();

// On the static site no Python runs behind a widget: say so above each one,
// so that a reader does not take a slider that changes nothing for a bug.
(function () {
  function label() {
    document.querySelectorAll(".cell.tag_widget").forEach(function (cell) {
      if (cell.querySelector(".convbook-widget-note")) return;
      var output = cell.querySelector(".cell_output");
      if (!output) return;
      var note = document.createElement("p");
      note.className = "convbook-widget-note";
      note.textContent = "Live widget: its controls recompute only with a running Python kernel "
        + "(launch this page in Binder or Colab with the rocket button above, or run it locally). "
        + "On this page it shows its first state, and a static version follows.";
      output.parentNode.insertBefore(note, output);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", label);
  else label();
})();
