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
      yAxis: { type: "value", name: d.names.people, minInterval: 1 },
      series: [
        { name: d.names.started, type: "bar", data: d.started, itemStyle: { color: "#3f6ea5" } },
        { name: d.names.on_job, type: "line", data: d.on_job, itemStyle: { color: "#b5651d" } }
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
        { name: d.names.organised, type: "line", data: d.organised, connectNulls: false, itemStyle: { color: "#3f6ea5" } },
        { name: d.names.stable_3, type: "line", data: d.stable_3, connectNulls: false, itemStyle: { color: "#2e7d32" } },
        { name: d.names.stable_6, type: "line", data: d.stable_6, connectNulls: false, itemStyle: { color: "#e8a317" } }
      ]
    });
  }
});
