// Draws the poverty-exit chart from data the page embeds with json_script (no inline script, so
// a strict Content-Security-Policy stays possible).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("exit-chart");
  if (!el || !window.echarts) { return; }
  var years = JSON.parse(document.getElementById("exit-years").textContent);
  var counts = JSON.parse(document.getElementById("exit-counts").textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {},
    xAxis: { type: "category", data: years.map(String) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: counts, itemStyle: { color: "#b22222" }, label: { show: true, position: "top" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
