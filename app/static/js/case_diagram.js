// The case's live diagram: the BPMN of its process drawn by the vendored bpmn-js NavigatedViewer, each step
// marked by where the case stands (step-completed, step-current, step-overdue, step-cancelled), a waiting
// step's due date shown when it is pointed at (an overlay, and the SVG <title> for assistive technology),
// and each process the case called (a call activity) drawn in a viewer of its own below the main one.
// The data comes from the page's JSON endpoint (data-url); the texts from the container's data-* attributes.
(function () {
  "use strict";

  var MARKERS = {
    completed: ["step-completed"],
    current: ["step-current"],
    overdue: ["step-current", "step-overdue"],
    cancelled: ["step-cancelled"]
  };
  var SVG = "http://www.w3.org/2000/svg";
  var STEP = 1.25;
  var LEGIBLE = 0.8;

  function dueText(root, info) {
    var day = info.due_on || (info.due_at ? info.due_at.slice(0, 10) : "");
    if (!day || (info.state !== "current" && info.state !== "overdue")) { return ""; }
    var text = root.dataset.dueLabel + " " + day;
    return info.state === "overdue" ? text + " · " + root.dataset.overdueLabel : text;
  }

  function markDueDate(viewer, id, text, late) {
    var registry = viewer.get("elementRegistry");
    var gfx = registry.getGraphics(id);
    var title = document.createElementNS(SVG, "title");
    title.textContent = text;
    gfx.insertBefore(title, gfx.firstChild);
    gfx.setAttribute("data-due", text);
    var badge = document.createElement("div");
    badge.className = "due-badge" + (late ? " late" : "");
    badge.textContent = text;
    badge.hidden = true;
    viewer.get("overlays").add(id, "due", { position: { bottom: -6, left: 0 }, html: badge });
    return badge;
  }

  function showOnHover(viewer, badges) {
    var events = viewer.get("eventBus");
    events.on("element.hover", function (event) {
      var badge = badges[event.element.id];
      if (badge) { badge.hidden = false; }
    });
    events.on("element.out", function (event) {
      var badge = badges[event.element.id];
      if (badge && !badge.classList.contains("pinned")) { badge.hidden = true; }
    });
    events.on("element.click", function (event) {  // a phone has no hover: a tap pins the date
      var badge = badges[event.element.id];
      if (badge) { badge.classList.toggle("pinned"); badge.hidden = !badge.classList.contains("pinned"); }
    });
  }

  function bindZoom(figure, canvas) {
    figure.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.dataset.zoom;
        if (how === "fit") { canvas.zoom("fit-viewport", "auto"); return; }
        canvas.zoom(how === "in" ? canvas.zoom() * STEP : canvas.zoom() / STEP);
      });
    });
  }

  // A long process fitted to the box is too small to read: show the waiting step at a legible scale instead
  // (the "Fit" button still shows the whole process).
  function focusWaiting(canvas, registry, process) {
    var waiting = Object.keys(process.elements).filter(function (id) {
      var state = process.elements[id].state;
      return (state === "current" || state === "overdue") && registry.get(id);
    });
    if (!waiting.length || canvas.zoom() >= LEGIBLE) { return; }
    canvas.zoom(LEGIBLE);
    canvas.scrollToElement(registry.get(waiting[0]));
  }

  // The BPMN files name their elements in English; the page's language names them from the diagram's own
  // name_zh properties (data-labels), set on the XML before it is drawn so the viewer wraps them as usual.
  function relabel(xml, labels) {
    if (!labels || !Object.keys(labels).length) { return xml; }
    var doc = new DOMParser().parseFromString(xml, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) { return xml; }
    doc.querySelectorAll("[id][name]").forEach(function (element) {
      var label = labels[element.getAttribute("id")];
      if (label) { element.setAttribute("name", label); }
    });
    return new XMLSerializer().serializeToString(doc);
  }

  function draw(root, figure, process) {
    var viewer = new window.BpmnJS({ container: figure.querySelector(".bpmn-canvas") });
    var labels = JSON.parse(root.dataset.labels || "{}");
    return viewer.importXML(relabel(process.xml, labels)).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      var badges = {};
      canvas.zoom("fit-viewport", "auto");
      Object.keys(process.elements).forEach(function (id) {
        var info = process.elements[id];
        if (!registry.get(id)) { return; }
        (MARKERS[info.state] || []).forEach(function (marker) { canvas.addMarker(id, marker); });
        var text = dueText(root, info);
        if (text) { badges[id] = markDueDate(viewer, id, text, info.state === "overdue"); }
      });
      focusWaiting(canvas, registry, process);
      showOnHover(viewer, badges);
      bindZoom(figure, canvas);
      figure.dataset.ready = "true";
      return viewer;
    });
  }

  function isWaiting(process) {
    return Object.keys(process.elements).some(function (id) {
      var state = process.elements[id].state;
      return state === "current" || state === "overdue";
    });
  }

  function calledFigure(root, processId) {
    var template = document.getElementById("called-process");
    var figure = template.content.firstElementChild.cloneNode(true);
    var names = JSON.parse(root.dataset.calledNames || "{}");
    figure.dataset.process = processId;
    figure.querySelector("figcaption").textContent = root.dataset.calledCaption + " " + (names[processId] || processId);
    root.appendChild(figure);
    return figure;
  }

  function start() {
    var root = document.getElementById("case-diagram");
    if (!root) { return; }
    var fail = function () {
      var note = document.createElement("p");
      note.className = "error";
      note.textContent = root.dataset.error;
      root.appendChild(note);
    };
    if (!window.BpmnJS) { fail(); return; }
    fetch(root.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        var main = root.querySelector("figure.process");
        var drawn = [draw(root, main, data)];
        var called = Object.keys(data.called).filter(function (id) { return data.called[id].xml; });
        called.sort(function (a, b) { return isWaiting(data.called[b]) - isWaiting(data.called[a]); });
        called.forEach(function (id) { drawn.push(draw(root, calledFigure(root, id), data.called[id])); });
        return Promise.all(drawn);
      })
      .then(function () { root.dataset.ready = "true"; })
      .catch(fail);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
