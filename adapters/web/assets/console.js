// The officers' console: a little progressive enhancement, no inline script
// (the Content-Security-Policy forbids it). Everything works without it.
"use strict";

// A form's submit button is disabled once it is sent, so a double click
// does not post an action twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
    return;
  }
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
  }, 0);
});

// After an action the page says so; move focus to the message so screen
// readers and keyboard users meet it first.
document.addEventListener("DOMContentLoaded", function () {
  var message = document.querySelector("main [role=alert], main [role=status]");
  if (message) {
    message.setAttribute("tabindex", "-1");
    message.focus();
  }
});
