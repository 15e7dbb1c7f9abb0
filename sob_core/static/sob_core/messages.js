// Autosave of a message being written: an enhancement only. Without this script the text is
// kept by "Spara utkast", and by the server whenever a send fails.
(function () {
  "use strict";
  document.querySelectorAll("form.message-form[data-draft-url]").forEach(function (form) {
    var url = form.getAttribute("data-draft-url");
    if (!url) { return; }
    var timer = null;
    var dirty = false;

    function payload() {
      var data = new FormData(form);
      data.set("action", "draft");
      data.set("autosave", "1");
      return data;
    }

    function save() {
      timer = null;
      if (!dirty) { return; }
      dirty = false;
      fetch(url, { method: "POST", body: payload(), credentials: "same-origin" });
    }

    form.addEventListener("input", function () {
      dirty = true;
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, 2000);
    });
    form.addEventListener("submit", function () {
      dirty = false;
      if (timer) { clearTimeout(timer); timer = null; }
    });
    window.addEventListener("pagehide", function () {
      if (dirty && navigator.sendBeacon) {
        dirty = false;
        navigator.sendBeacon(url, payload());
      }
    });
  });
})();
