// Case page forms sent by htmx: a form marked data-swap-invalid shows its own 422 answer (the form again,
// with the error at its field) instead of the page's generic alert; other errors keep app.js's handling.
document.addEventListener("htmx:beforeSwap", function (event) {
  var form = event.detail.elt;
  if (event.detail.xhr.status === 422 && form && form.hasAttribute("data-swap-invalid")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// After the swap, the fresh form's first invalid field (or, after a success, the empty field) has the focus.
document.addEventListener("htmx:afterSwap", function (event) {
  var form = document.getElementById("comment-form");
  if (!form || event.detail.target !== form && !form.contains(event.detail.target)) { return; }
  var field = form.querySelector("[aria-invalid=true]") || form.querySelector("textarea");
  if (field) { field.focus(); }
});
