// BankID waiting page: a new QR code every second, the order's state every two seconds.
// Without this script the page works through its refresh button.
(function () {
  "use strict";
  var order = document.getElementById("bankid-order");
  if (!order) { return; }
  var qr = document.getElementById("bankid-qr");
  var status = document.getElementById("bankid-status");
  var qrUrl = order.getAttribute("data-qr-url");
  var statusUrl = order.getAttribute("data-status-url");
  var pollMs = parseInt(order.getAttribute("data-poll-ms"), 10) || 2000;
  var refresh = document.getElementById("bankid-refresh");
  // the script keeps the page up to date: the no-script refresh button would only confuse
  if (refresh && refresh.form) { refresh.form.parentNode.removeChild(refresh.form); }
  var tick = 0;
  var qrTimer = window.setInterval(function () {
    tick += 1;
    qr.src = qrUrl + "?t=" + tick;
  }, 1000);
  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.message && status.textContent !== answer.message) {
          status.textContent = answer.message;
        }
        if (answer.redirect) {
          window.clearInterval(qrTimer);
          window.location.assign(answer.redirect);
          return;
        }
        window.setTimeout(poll, pollMs);
      })
      .catch(function () { window.setTimeout(poll, pollMs); });
  }
  window.setTimeout(poll, pollMs);
})();
