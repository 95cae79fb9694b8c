// The charts of the monitoring pages, drawn from their JSON data block (a file of its own: the pages' CSP allows no inline script).
(function () {
  "use strict";
  var src = document.getElementById("monitor-data");
  if (!src || !window.echarts) { return; }
  var d = JSON.parse(src.textContent);
  var nf = new Intl.NumberFormat(d.locale === "zh_CN" ? "zh-CN" : "en", { maximumFractionDigits: 4 });
  function draw(id, option) {
    option.tooltip = option.tooltip || { trigger: "axis", valueFormatter: function (v) { return nf.format(v); } };
    window.carbontrailChart.draw(id, option);
  }
  if (d.meters && d.meters.length) {
    var first = d.meters[0];
    draw("chart-load", { title: { text: d.labels.load, left: "center" }, legend: { bottom: 0 },
      xAxis: { type: "category", data: first.days }, yAxis: { type: "value" },
      series: d.meters.map(function (m) { return { name: m.name + " (" + m.unit + ")", type: "line", data: m.daily }; }) });
    var max = Math.max.apply(null, first.heat.map(function (c) { return c[2]; }));
    draw("chart-heat", { title: { text: d.labels.heat + ": " + first.name, left: "center" }, tooltip: { position: "top" },
      xAxis: { type: "category", data: first.days }, yAxis: { type: "category", data: Array.from({ length: 24 }, function (_, h) { return h; }) },
      visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
      series: [{ type: "heatmap", data: first.heat.map(function (c) { return [c[0], c[1], c[2]]; }) }] });
    draw("chart-mix", { title: { text: d.labels.mix, left: "center" }, tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: "60%", data: d.mix }] });
  }
  if (d.years && d.years.length) {
    draw("chart-trajectory", { title: { text: d.labels.title, left: "center" }, legend: { bottom: 0 },
      xAxis: { type: "category", data: d.years }, yAxis: { type: "value" },
      series: [{ name: d.labels.actual, type: "line", data: d.actual }, { name: d.labels.line, type: "line", lineStyle: { type: "dashed" }, data: d.line }] });
  }
})();
