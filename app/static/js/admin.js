// Admin pages: ask before a destructive button's form is sent, and show only the bindings the chosen role has.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  // A block with data-for-roles="a b" is shown (and sent) only while the role select names one of them.
  function showBindings(role) {
    document.querySelectorAll("[data-for-roles]").forEach(function (block) {
      var on = block.dataset.forRoles.split(" ").indexOf(role.value) !== -1;
      block.hidden = !on;
      block.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !on; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var role = document.querySelector("#user-form #f-role");
    if (!role) { return; }
    showBindings(role);
    role.addEventListener("change", function () { showBindings(role); });
  });
})();
