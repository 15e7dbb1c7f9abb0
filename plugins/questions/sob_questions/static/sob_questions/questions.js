/* sob-questions: show a slider's value beside it while it moves, and tick its
   "I have chosen my value" box when it is moved.
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
    var chosen = document.getElementById(input.id + ":set");
    var update = function () {
      output.value = input.value;
    };
    update();
    current.hidden = false;
    input.addEventListener("input", function () {
      update();
      if (chosen) {
        chosen.checked = true; // moving the slider is choosing a value
      }
    });
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
