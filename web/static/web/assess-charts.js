/* Draws the assessor's charts with the vendored Apache ECharts. Each chart's data sits in a
   <script type="application/json"> block (Django's json_script) next to a table with the same
   numbers, so without JavaScript the page still reads in full. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  document.documentElement.classList.add("js");
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function bars(el, labels, series, percent) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      color: ["#4472C4", "#ED7D31"],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 6 ? 40 : 0 } },
      yAxis: { type: "value", max: percent ? 100 : null, axisLabel: { formatter: percent ? "{value}%" : "{value}" } },
      series: series.map(function (s) {
        return { name: s.name, type: "bar", data: s.values, label: { show: labels.length <= 12, position: "top", formatter: function (p) { return p.value === null ? "—" : p.value; } } };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var d = data(el.getAttribute("data-chart"));
    if (!d) { return; }
    if (el.getAttribute("data-kind") === "distribution") {
      bars(el, d.labels, [{ name: d.name, values: d.values }], false);
    } else {
      bars(el, d.labels, d.series, true);
    }
  });
})();
