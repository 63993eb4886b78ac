// Load ratio of each eastern unit of the province/prefecture pairs: as the pairs stand now
// against the proposal summed up to the same units. Redrawn when htmx swaps the result in.
function drawComparison() {
  var el = document.getElementById("comparison-chart");
  var src = document.getElementById("comparison-data");
  if (!el || !src || !window.echarts || el.dataset.drawn) { return; }
  var data = JSON.parse(src.textContent);
  el.dataset.drawn = "1";
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["现状", "方案"] },
    grid: { bottom: 90 },
    xAxis: { type: "category", data: data.units, axisLabel: { rotate: 40 } },
    yAxis: { type: "value", name: "人/亿元" },
    series: [
      { name: "现状", type: "bar", data: data.current, itemStyle: { color: "#999" } },
      { name: "方案", type: "bar", data: data.proposed, itemStyle: { color: "#b22222" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}
document.addEventListener("DOMContentLoaded", drawComparison);
document.addEventListener("htmx:afterSwap", drawComparison);
