// Charts of the labour page, from the data it embeds with json_script (no inline script):
// placements started each month and on the job at its end; of each month's starters, the
// organised share and how many lasted 3 and 6 months (per cent; a gap where not yet due).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) { return; }
  var source = document.getElementById("labour-chart");
  if (!source) { return; }
  var d = JSON.parse(source.textContent);
  function draw(el, option) {
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  var placements = document.getElementById("chart-placements");
  if (placements) {
    draw(placements, {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { top: 40 },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", name: "人次", minInterval: 1 },
      series: [
        { name: "新增就业", type: "bar", data: d.started, itemStyle: { color: "#3f6ea5" } },
        { name: "月末在岗", type: "line", data: d.on_job, itemStyle: { color: "#b5651d" } }
      ]
    });
  }
  var stability = document.getElementById("chart-stability");
  if (stability) {
    draw(stability, {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { top: 0 },
      grid: { top: 40 },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: "有组织就业占比", type: "line", data: d.organised, connectNulls: false, itemStyle: { color: "#3f6ea5" } },
        { name: "3 个月稳定率", type: "line", data: d.stable_3, connectNulls: false, itemStyle: { color: "#2e7d32" } },
        { name: "6 个月稳定率", type: "line", data: d.stable_6, connectNulls: false, itemStyle: { color: "#e8a317" } }
      ]
    });
  }
});
