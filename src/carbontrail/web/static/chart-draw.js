// The one way every page draws a chart: ECharts on the element `id`, marked data-rendered="1" once drawn (the
// browser tests wait for it), resized with the window. Loaded before each page's own chart script.
(function () {
  "use strict";
  window.carbontrailChart = {
    draw: function (id, option) {
      var el = document.getElementById(id);
      if (!el || !window.echarts) { return null; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.on("finished", function () { el.setAttribute("data-rendered", "1"); });
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
      return chart;
    }
  };
})();
