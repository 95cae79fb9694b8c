// The charts of battery_declaration.html, drawn from its JSON data block (a file of its own: the pages' CSP allows no inline script).
(function () {
  "use strict";
  var el = document.getElementById("declaration-data");
  if (!el || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var draw = window.carbontrailChart.draw;
  draw("chart-stage-shares", {
    title: { text: d.labels.shares, left: "center" },
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: d.stages.map(function (s, i) {
      return { name: s, value: Math.max(d.shares[i], 0) }; }) }]
  });
  draw("chart-stage-compare", {
    title: { text: d.labels.compare, left: "center" },
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    xAxis: { type: "category", data: d.stages },
    yAxis: { type: "value" },
    series: [{ name: d.labels.declaration, type: "bar", data: d.declaration },
             { name: d.labels.iso, type: "bar", data: d.iso14067 }]
  });
})();
