// Skip logic in the browser: hide questions whose condition does not hold. The server applies
// the same rules, so the page works without this script.
(function () {
  "use strict";
  var form = document.querySelector(".response-form");
  if (!form) { return; }

  function valuesOf(key) {
    var inputs = form.querySelectorAll('[name="' + key + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { return; }
      if (input.value !== "") { values.push(input.value); }
    });
    return values;
  }

  function holds(condition) {
    var values = valuesOf(condition.question);
    if (values.length === 0) { return false; }
    if ("equals" in condition) { return values.indexOf(String(condition.equals)) !== -1; }
    if ("in" in condition) {
      return values.some(function (v) { return condition["in"].map(String).indexOf(v) !== -1; });
    }
    if ("min" in condition) { return Number(values[0]) >= Number(condition.min); }
    return true;
  }

  function update() {
    form.querySelectorAll("[data-show-if]").forEach(function (block) {
      var show = holds(JSON.parse(block.getAttribute("data-show-if")));
      block.hidden = !show;
      block.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !show; });
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
