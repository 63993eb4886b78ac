// The aid overview: one chart per panel, bars by year, stacked where the series add up to a
// whole (fund types, budget sources...) and side by side where they do not (jobs vs. firms).
// Data comes from the page's json_script block, so this file holds no figures of its own.
function drawAid() {
  var src = document.getElementById("aid-data");
  if (!src || !window.echarts) { return; }
  var data = JSON.parse(src.textContent);
  data.panels.forEach(function (panel) {
    var el = document.querySelector('[data-panel="' + panel.key + '"].chart');
    if (!el || el.dataset.drawn) { return; }
    el.dataset.drawn = "1";
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { top: 40, left: 60, right: 20, bottom: 30 },
      xAxis: { type: "category", data: data.years },
      // Counts of people, projects and firms are whole numbers: no 0.5 on their axis.
      yAxis: { type: "value", name: panel.unit, minInterval: panel.whole ? 1 : 0 },
      series: panel.series.map(function (s) {
        return {
          name: s.name,
          type: "bar",
          stack: panel.stacked ? "total" : undefined,
          barMaxWidth: 56,
          emphasis: { focus: "series" },
          data: s.data
        };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
}
document.addEventListener("DOMContentLoaded", drawAid);
