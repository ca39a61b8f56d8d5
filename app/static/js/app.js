// Shared page behaviour: show a failed htmx request's message in the page's alert region.
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("page-errors");
  if (!box) { return; }
  var xhr = event.detail.xhr;
  var text = "";
  try { text = JSON.parse(xhr.responseText).message || ""; } catch (e) { text = ""; }
  if (!text) { text = box.dataset.generic || ("HTTP " + xhr.status); }
  box.textContent = text;
  box.hidden = false;
});
document.addEventListener("htmx:beforeRequest", function () {
  var box = document.getElementById("page-errors");
  if (box) { box.hidden = true; box.textContent = ""; }
});
