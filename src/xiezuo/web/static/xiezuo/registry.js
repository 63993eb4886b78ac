// Charts of the registry statistics page, from data embedded with json_script.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) { return; }
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var exits = document.getElementById("exits-chart");
  if (exits) {
    var chart = echarts.init(exits);
    chart.setOption({
      tooltip: {}, xAxis: { type: "category", data: data("exit-years") }, yAxis: { type: "value" },
      series: [{ type: "bar", data: data("exit-counts"), itemStyle: { color: "#b22222" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  var causes = document.getElementById("causes-chart");
  if (causes) {
    var pie = echarts.init(causes);
    pie.setOption({ tooltip: { trigger: "item" }, series: [{ type: "pie", radius: "65%", data: data("cause-data") }] });
    window.addEventListener("resize", function () { pie.resize(); });
  }
});
