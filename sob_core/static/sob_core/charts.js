// Draws result charts from the figure in data-figure, with the plotly.js served by the app.
(function () {
  "use strict";
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    if (typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(el.getAttribute("data-figure"));
    // On a phone-sized screen fewer, level date labels keep the axis readable (and clear of its
    // title); the table beside the chart carries every value.
    if (el.clientWidth < 480) {
      figure.layout = figure.layout || {};
      figure.layout.xaxis = Object.assign({}, figure.layout.xaxis, {
        nticks: Math.max(2, Math.floor(el.clientWidth / 110)), tickangle: 0, automargin: true
      });
    }
    Plotly.newPlot(el, figure.data, figure.layout, figure.config);
  });
  document.querySelectorAll(".band-swatch[data-colour]").forEach(function (el) {
    el.style.backgroundColor = el.getAttribute("data-colour");
  });
})();
