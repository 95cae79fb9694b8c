// The one way every page draws a chart: ECharts on the element `id`, marked data-rendered="1" once drawn (the
// browser tests wait for it), laid out to fit its box and drawn again to fit when the window is resized. Loaded
// before each page's own chart script.
(function () {
  "use strict";
  function each(x, f) { [].concat(x || []).forEach(f); }
  function merge(defaults, given) { return Object.assign(defaults, given || {}); }

  // Titles wrap inside the chart; axis labels keep inside the grid (containLabel), long category labels are cut
  // with an ellipsis and turned on a narrow chart, and overlapping ones are hidden rather than drawn on each other.
  function fit(el, option) {
    var width = el.clientWidth || 600, narrow = width < 560;
    each(option.title, function (t) {
      t.textStyle = merge({ width: width - 24, overflow: "break", fontSize: narrow ? 13 : 16 }, t.textStyle);
    });
    if (option.legend) { option.legend = merge({ type: "scroll" }, option.legend); }
    if (option.xAxis || option.yAxis) {
      // an x axis's name sits below its labels, outside what containLabel keeps room for: turned labels need more
      var named = [].concat(option.xAxis || []).some(function (a) { return a.name; });
      var below = (option.legend || option.visualMap ? 48 : 16) + (named ? (narrow ? 44 : 24) : 0);
      option.grid = merge({ left: 12, right: 28, top: narrow ? 64 : 56, bottom: below, containLabel: true }, option.grid);
      each(option.xAxis, function (a) {
        var turned = a.type === "category" && narrow;
        a.axisLabel = merge(a.type === "category"
          ? { hideOverlap: true, rotate: turned ? 40 : 0, width: narrow ? 80 : 140, overflow: "truncate" }
          : { hideOverlap: true }, a.axisLabel);
        if (a.name) { a.nameLocation = a.nameLocation || "middle"; a.nameGap = a.nameGap || (turned ? 58 : 30); }
      });
      each(option.yAxis, function (a) {
        a.axisLabel = merge(a.type === "category"
          ? { hideOverlap: true, width: narrow ? 90 : 220, overflow: "truncate" } : { hideOverlap: true }, a.axisLabel);
        if (a.name) { a.nameTextStyle = merge({ align: "left" }, a.nameTextStyle); }
      });
    }
    return option;
  }

  window.carbontrailChart = {
    draw: function (id, option) {
      var el = document.getElementById(id);
      if (!el || !window.echarts) { return null; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.on("finished", function () { el.setAttribute("data-rendered", "1"); });
      chart.setOption(fit(el, option));
      window.addEventListener("resize", function () { chart.resize(); chart.setOption(fit(el, option)); });
      return chart;
    }
  };
})();
