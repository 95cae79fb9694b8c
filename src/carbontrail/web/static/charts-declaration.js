// The charts of battery_declaration.html, drawn from its JSON data block (a file of its own: the pages' CSP allows no inline script).
(function () {
  "use strict";
  var el = document.getElementById("declaration-data");
  if (!el || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  function draw(id, option) {
    var node = document.getElementById(id);
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.on("finished", function () { node.setAttribute("data-rendered", "1"); });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
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
