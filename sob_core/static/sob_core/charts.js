// Draws result charts from the figure in data-figure, with the plotly.js served by the app.
(function () {
  "use strict";
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    if (typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(el.getAttribute("data-figure"));
    Plotly.newPlot(el, figure.data, figure.layout, figure.config);
  });
  document.querySelectorAll(".band-swatch[data-colour]").forEach(function (el) {
    el.style.backgroundColor = el.getAttribute("data-colour");
  });
})();
