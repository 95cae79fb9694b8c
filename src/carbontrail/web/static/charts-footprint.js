// The charts of footprints_product.html, drawn from its JSON data block (a file of its own: the pages' CSP allows no inline script).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("footprint-data").textContent);
  var nf = new Intl.NumberFormat(data.locale === "zh_CN" ? "zh-CN" : "en", { maximumFractionDigits: 2 });
  var draw = window.carbontrailChart.draw;
  ["stage", "gas", "supplier"].forEach(function (by) {
    draw("chart-" + by, { title: { text: data.labels[by], left: "center" },
      tooltip: { trigger: "item", valueFormatter: nf.format },
      series: [{ type: "pie", radius: ["35%", "65%"], data: data.groups[by].filter(function (d) { return d.value > 0; }) }] });
  });
  var procs = data.groups.process.slice().reverse();
  draw("chart-process", { title: { text: data.labels.process, left: "center" }, tooltip: { trigger: "axis", valueFormatter: nf.format },
    xAxis: { type: "value", name: data.labels.kg },
    yAxis: { type: "category", data: procs.map(function (d) { return d.name.length > 40 ? d.name.slice(0, 40) + "…" : d.name; }) },
    series: [{ type: "bar", data: procs.map(function (d) { return d.value; }) }] });
  draw("chart-histogram", { title: { text: data.labels.histogram, left: "center" }, tooltip: { trigger: "axis" },
    xAxis: { type: "category", name: data.labels.kg, data: data.histogram.centres.map(function (v) { return nf.format(v); }) },
    yAxis: { type: "value", name: data.labels.draws }, series: [{ type: "bar", data: data.histogram.counts }] });
})();
