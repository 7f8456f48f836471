/* Render every chart on the page with the vendored vega-embed (SVG renderer).
   Specs are embedded by plugins/charts.py as <script type="application/json">. */
(function () {
  "use strict";
  function renderAll() {
    var specs = document.querySelectorAll("script.jx-chart-spec");
    Array.prototype.forEach.call(specs, function (el) {
      var target = document.getElementById(el.getAttribute("data-target"));
      if (!target) return;
      var figure = target.parentNode;
      if (typeof window.vegaEmbed !== "function") {
        figure.className += " jx-chart-failed";
        return;
      }
      var spec;
      try {
        spec = JSON.parse(el.textContent);
      } catch (e) {
        figure.className += " jx-chart-failed";
        return;
      }
      window.vegaEmbed(target, spec, { renderer: "svg", actions: false })
        .then(function () { figure.className += " jx-chart-ready"; })
        .catch(function (err) {
          figure.className += " jx-chart-failed";
          target.textContent = "图表无法显示（chart failed to render）";
          if (window.console) console.error(err);
        });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
