// The charts of cbam_installation.html, drawn from its JSON data block (a file of its own: the pages' CSP allows no inline script).
(function () {
  "use strict";
  var el = document.getElementById("chart-see"), src = document.getElementById("cbam-data");
  if (!el || !src || !window.echarts) { return; }
  var d = JSON.parse(src.textContent);
  var nf = new Intl.NumberFormat(d.locale === "zh_CN" ? "zh-CN" : "en", { maximumFractionDigits: 4 });
  window.carbontrailChart.draw("chart-see", {
    title: { text: d.labels.title, left: "center" },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return nf.format(v); } },
    legend: { bottom: 0 },
    xAxis: { type: "category", data: d.processes },
    yAxis: { type: "value" },
    series: [{ name: d.labels.direct, type: "bar", stack: "see", data: d.direct },
             { name: d.labels.indirect, type: "bar", stack: "see", data: d.indirect }]
  });
})();
