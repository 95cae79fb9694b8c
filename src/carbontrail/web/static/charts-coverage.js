// The charts of supply_chain_suppliers.html, drawn from its JSON data block (a file of its own: the pages' CSP allows no inline script).
// Purchases per supplier on the main basis: the part with the supplier's own footprint, and the rest.
(function () {
  "use strict";
  var el = document.getElementById("chart-coverage"), data = JSON.parse(document.getElementById("coverage-data").textContent);
  if (!el || !window.echarts) { return; }
  window.carbontrailChart.draw("chart-coverage", {
    title: { text: data.title, left: "center" }, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
    xAxis: { type: "category", data: data.suppliers }, yAxis: { type: "value", name: data.basis },
    series: [{ name: data.labels.primary, type: "bar", stack: "p", data: data.primary },
             { name: data.labels.secondary, type: "bar", stack: "p", data: data.secondary }]
  });
})();
