// Form behaviour the pages need without inline handlers (their CSP allows no inline script):
// a <select data-submit-on-change> submits its form; a form with data-path-prefix opens prefix + its field's value.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-submit-on-change") && el.form) { el.form.submit(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target, prefix = form && form.getAttribute && form.getAttribute("data-path-prefix");
    if (!prefix) { return; }
    event.preventDefault();
    var field = form.elements[form.getAttribute("data-path-field")];
    window.location = prefix + encodeURIComponent(field ? field.value : "");
  });
})();
