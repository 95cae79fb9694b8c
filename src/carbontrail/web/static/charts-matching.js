// The heat map of certificates_matching.html: matched share per hour (x) and day (y), from its JSON data block
// (a file of its own: the pages' CSP allows no inline script).
(function () {
  "use strict";
  var el = document.getElementById("matching-data");
  if (!el || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var start = new Date(d.start + "T00:00:00Z");
  var days = d.share.map(function (_, i) {
    var t = new Date(start.getTime() + i * 86400000);
    return t.toISOString().slice(0, 10);
  });
  var cells = [];
  d.share.forEach(function (row, day) {
    row.forEach(function (v, hour) { if (v !== null) { cells.push([hour, day, Math.round(v * 1000) / 10]); } });
  });
  var node = document.getElementById("chart-matching-heatmap");
  node.style.height = Math.max(240, 14 * days.length + 120) + "px";
  window.carbontrailChart.draw("chart-matching-heatmap", {
    title: { text: d.labels.title, left: "center" },
    tooltip: { formatter: function (p) { return days[p.value[1]] + " " + p.value[0] + ":00 — " + p.value[2] + " %"; } },
    grid: { top: 50, bottom: 70, left: 90 },
    xAxis: { type: "category", name: d.labels.hour, data: Array.from({ length: 24 }, function (_, h) { return String(h); }) },
    yAxis: { type: "category", name: d.labels.day, data: days, inverse: true },
    visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                 text: ["100 %", d.labels.share + " 0 %"], inRange: { color: ["#f3f4f6", "#86efac", "#15803d"] } },
    series: [{ type: "heatmap", data: cells }]
  });
})();
