// Draws every chart of the page: <div class="plot"> holds its figure as JSON (no inline script, so the
// Content-Security-Policy can forbid it). Charts in content that htmx swaps in are drawn too.
(function () {
  "use strict";
  function draw(root) {
    var plots = (root || document).querySelectorAll ? (root || document).querySelectorAll(".plot") : [];
    Array.prototype.forEach.call(plots, function (el) {
      if (el.getAttribute("data-drawn") || !window.Plotly) return;
      var source = el.querySelector('script[type="application/json"]');
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      el.setAttribute("data-drawn", "1");
      window.Plotly.newPlot(el, spec.data, spec.layout, spec.config);
    });
  }
  if (window.htmx) window.htmx.onLoad(draw);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { draw(document); });
  else draw(document);
})();
