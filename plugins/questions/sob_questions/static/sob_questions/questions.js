/* sob-questions: show a slider's value beside it while it moves.
   Progressive enhancement only: without this script every question still works. Loaded once per
   slider by the slider template (a strict Content-Security-Policy forbids inline script), so it
   guards against running twice. */
(function () {
  "use strict";
  if (window.sobQuestionsSliders) {
    return;
  }
  window.sobQuestionsSliders = true;

  function bind(input) {
    if (input.dataset.qBound) {
      return;
    }
    var output = document.getElementById(input.id + ":value");
    var current = document.getElementById(input.id + ":current");
    if (!output || !current) {
      return;
    }
    input.dataset.qBound = "1";
    var update = function () {
      output.value = input.value;
    };
    update();
    current.hidden = false;
    input.addEventListener("input", update);
  }

  function bindAll() {
    document.querySelectorAll("input.q-slider-input").forEach(bind);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bindAll);
  } else {
    bindAll();
  }
})();
