// The dashboard: the process diagram coloured by where cases wait (bpmn-js NavigatedViewer, data from
// /dashboard/heatmap.json), and the campaign's charts (Chart.js, data from the canvases' data-chart).
(function () {
  "use strict";

  var LEVELS = 4;

  // 0 for no case waiting, else 1..LEVELS in proportion to the busiest step.
  function level(waiting, most) {
    if (!waiting || !most) { return 0; }
    return Math.max(1, Math.ceil(waiting / most * LEVELS));
  }

  function badge(counts, title) {
    var node = document.createElement("span");
    node.className = "heat-badge";
    node.dataset.waiting = counts.waiting;
    node.dataset.late = counts.late;
    node.title = title.replace("{waiting}", counts.waiting).replace("{late}", counts.late);
    node.appendChild(document.createTextNode(counts.waiting + " / "));
    var late = document.createElement("span");
    late.className = "late-count";
    late.textContent = counts.late;
    node.appendChild(late);
    return node;
  }

  function failed(box) {
    box.classList.add("failed");
    box.textContent = box.dataset.failed;
  }

  function drawHeatmap(box) {
    if (!window.BpmnJS) { failed(box); return; }
    fetch(box.dataset.source, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        var viewer = new window.BpmnJS({ container: box });
        return viewer.importXML(data.xml).then(function () {
          var canvas = viewer.get("canvas");
          var overlays = viewer.get("overlays");
          var registry = viewer.get("elementRegistry");
          canvas.zoom("fit-viewport");
          Object.keys(data.elements).forEach(function (id) {
            var counts = data.elements[id];
            if (!registry.get(id)) { return; }
            canvas.addMarker(id, "heat-" + level(counts.waiting, data.max_waiting));
            if (counts.url) { canvas.addMarker(id, "drill"); }
            overlays.add(id, "heat-badge", { position: { top: -10, right: 10 }, html: badge(counts, box.dataset.badgeTitle) });
          });
          viewer.get("eventBus").on("element.click", function (event) {
            var counts = data.elements[event.element.id];
            if (counts && counts.url) { window.location.assign(counts.url); }
          });
          box.dataset.ready = "true";
        });
      })
      .catch(function () { failed(box); });
  }

  function drawChart(canvas) {
    if (!window.Chart) { return; }
    var data = JSON.parse(canvas.dataset.chart);
    var datasets;
    var horizontal = canvas.dataset.kind === "stages";
    if (horizontal) {
      datasets = [{ label: canvas.dataset.countLabel, data: data.counts, backgroundColor: "#4c78a8" }];
    } else {
      datasets = [{ label: canvas.dataset.actualLabel, data: data.actual, backgroundColor: "#4c78a8" }];
      if (data.target.length) {
        datasets.push({ label: canvas.dataset.targetLabel, data: data.target, backgroundColor: "#d9d9d9",
                        borderColor: "#666", borderWidth: 1 });
      }
    }
    canvas.chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? { x: { beginAtZero: true, ticks: { precision: 0 } } }
                           : { y: { beginAtZero: true, suggestedMax: 100 } },
        plugins: { legend: { display: datasets.length > 1 } }
      }
    });
    canvas.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("heatmap");
    if (box) { drawHeatmap(box); }
    document.querySelectorAll("canvas[data-chart]").forEach(drawChart);
  });
})();
