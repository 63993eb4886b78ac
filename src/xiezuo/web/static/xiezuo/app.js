// Behaviour every page shares, kept out of the markup so the Content-Security-Policy can forbid
// inline script.
(function () {
  "use strict";
  // A button with data-confirm asks before its form is sent (approving locks a report).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = button && button.getAttribute("data-confirm");
    if (text && !window.confirm(text)) {
      event.preventDefault();
    }
  }, true);
  // A select with data-autosubmit sends its form when changed (the task status picker).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select && select.hasAttribute && select.hasAttribute("data-autosubmit") && select.form) {
      select.form.requestSubmit();
    }
  });
})();
