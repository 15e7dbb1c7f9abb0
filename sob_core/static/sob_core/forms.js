// Skip logic in the browser: hide questions whose condition does not hold. The server applies
// the same rules, so the page works without this script.
(function () {
  "use strict";
  var form = document.querySelector(".response-form");
  if (!form) { return; }

  function valuesOf(key) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll('[name="' + key + '"]'));
    // an open choice's own answer: its text box (its "Other" radio button says nothing itself)
    form.querySelectorAll('[name="' + key + ':other"]').forEach(function (input) { inputs.push(input); });
    // a question with several answers: its inputs are named key:1, key:2 ... in its fieldset
    form.querySelectorAll('[data-answers="' + key + '"] [name^="' + key + ':"]').forEach(function (input) {
      if (/^\d+$/.test(input.name.slice(key.length + 1))) { inputs.push(input); }
    });
    var values = [];
    inputs.forEach(function (input) {
      if (input.disabled) { return; }  // a hidden question's answer does not count
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { return; }
      if (input.value === ":other" && input.type === "radio") { return; }
      var value = input.name === key + ":other" ? input.value.trim() : input.value;
      if (value !== "") { values.push(value); }
    });
    return values;
  }

  // The same rules as sob_core/forms/skip_logic.py: both sides read as the value's kind.
  var TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/;
  var DATE = /^\d{4}-\d{2}-\d{2}$/;
  var OPERATORS = ["equals", "not_equals", "in", "min", "max", "greater", "less", "exists"];

  function comparable(value, target) {
    if (typeof target === "number") {
      var n = Number(String(value).trim());
      return String(value).trim() === "" || !isFinite(n) ? [null, null] : [n, target];
    }
    if (typeof target !== "string") { return [null, null]; }
    if (TIME.test(target)) {
      var pad = function (t) { return (t.length === 5 ? t + ":00" : t).slice(0, 8); };
      return TIME.test(value) ? [pad(value), pad(target)] : [null, null];
    }
    if (DATE.test(target)) { return DATE.test(value.slice(0, 10)) ? [value.slice(0, 10), target] : [null, null]; }
    return [value, target];
  }

  function same(value, target) {
    if (typeof target === "boolean") { return value === String(target); }
    var pair = comparable(value, target);
    return pair[0] !== null && pair[0] === pair[1];
  }

  function ordered(value, target, op) {
    var pair = comparable(value, target);
    if (pair[0] === null) { return false; }
    if (op === "min") { return pair[0] >= pair[1]; }
    if (op === "max") { return pair[0] <= pair[1]; }
    if (op === "greater") { return pair[0] > pair[1]; }
    return pair[0] < pair[1];
  }

  function holdsOne(condition) {
    var op = OPERATORS.filter(function (name) { return name in condition; })[0];
    if (!op) { return true; }
    var values = valuesOf(condition.question);
    var target = condition[op];
    if (op === "exists") { return (values.length > 0) === (target === true); }
    if (op === "not_equals") { return !values.some(function (v) { return same(v, target); }); }
    if (op === "equals") { return values.some(function (v) { return same(v, target); }); }
    if (op === "in") {
      return values.some(function (v) { return target.some(function (t) { return same(v, t); }); });
    }
    return values.some(function (v) { return ordered(v, target, op); });
  }

  function holds(condition) {
    if (Array.isArray(condition.all)) { return condition.all.every(holdsOne); }
    if (Array.isArray(condition.any)) { return condition.any.some(holdsOne); }
    return holdsOne(condition);
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
