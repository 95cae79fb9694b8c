// Draws the inventory and jurisdiction charts from the JSON the page embeds; marks each chart when drawn.
(function () {
  "use strict";
  var draw = window.carbontrailChart.draw;
  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var fmt = function (locale) {
    var nf = new Intl.NumberFormat(locale === "zh_CN" ? "zh-CN" : "en", { maximumFractionDigits: 1 });
    return function (v) { return nf.format(v); };
  };

  var inv = read("inventory-data");
  if (inv) {
    var f = fmt(inv.locale);
    draw("chart-scopes", {
      title: { text: inv.labels.split, left: "center" },
      tooltip: { trigger: "item", valueFormatter: f },
      series: [{ type: "pie", radius: ["35%", "65%"], data: [
        { name: inv.labels.scope1, value: inv.scopes.scope1 },
        { name: inv.labels.scope2_location, value: inv.scopes.scope2_location }] }]
    });
    draw("chart-monthly", {
      title: { text: inv.labels.trend, left: "center" },
      tooltip: { trigger: "axis", valueFormatter: f },
      legend: { bottom: 0 },
      xAxis: { type: "category", data: inv.months },
      yAxis: { type: "value", name: "t CO2e" },
      series: [
        { name: inv.labels.scope1, type: "bar", stack: "loc", data: inv.monthly.scope1 },
        { name: inv.labels.scope2_location, type: "bar", stack: "loc", data: inv.monthly.scope2_location },
        { name: inv.labels.scope2_market, type: "line", data: inv.monthly.scope2_market }]
    });
    draw("chart-energy", {
      title: { text: inv.labels.mix, left: "center" },
      tooltip: { trigger: "item", valueFormatter: f },
      series: [{ type: "pie", radius: "60%", data: Object.keys(inv.energy_mix).map(function (k) {
        return { name: k, value: inv.energy_mix[k] }; }) }]
    });
  }

  var agg = read("aggregate-data");
  if (agg) {
    draw("chart-enterprises", {
      title: { text: agg.labels.title, left: "center" },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      xAxis: { type: "category", data: agg.enterprises },
      yAxis: { type: "value", name: "t CO2e" },
      series: [
        { name: agg.labels.scope1, type: "bar", stack: "t", data: agg.scope1 },
        { name: agg.labels.scope2_location, type: "bar", stack: "t", data: agg.scope2 }]
    });
  }
})();
