// Charts of the analysis pages, from data the page embeds with json_script (no inline script).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) { return; }
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  function draw(el, option) {
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // The fiscal promise: aid as bars, aid growth against revenue growth as lines; a year where the
  // promise was not kept (aid fell, or grew slower than revenue) carries a red pin on the
  // aid-growth line. A year without a figure is a gap, not a zero.
  var fiscal = document.getElementById("fiscal-chart");
  if (fiscal) {
    var f = data("fiscal-data");
    var pins = f.flags.map(function (flag) {
      var i = f.years.indexOf(flag.year);
      var y = f.aid_growth[i] !== null ? f.aid_growth[i] : 0;
      // A year without records is pinned grey: a gap in the data, not a broken promise.
      var colour = flag.gap ? "#999" : "#b22222";
      return { name: flag.year, coord: [flag.year, y], value: flag.label, itemStyle: { color: colour } };
    });
    draw(fiscal, {
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [f.names.aid, f.names.aid_growth, f.names.revenue_growth] },
      grid: { top: 50 },
      xAxis: { type: "category", data: f.years },
      yAxis: [
        { type: "value", name: f.names.aid },
        { type: "value", name: "%", axisLabel: { formatter: "{value}%" } }
      ],
      series: [
        { name: f.names.aid, type: "bar", data: f.aid, itemStyle: { color: "#9bb7d4" } },
        {
          name: f.names.aid_growth, type: "line", yAxisIndex: 1, data: f.aid_growth,
          connectNulls: false, itemStyle: { color: "#b22222" },
          markPoint: { symbolSize: 40, label: { formatter: "!" }, tooltip: { formatter: function (p) { return echarts.format.encodeHTML(p.name + " " + p.value); } }, data: pins }
        },
        {
          name: f.names.revenue_growth, type: "line", yAxisIndex: 1, data: f.revenue_growth,
          connectNulls: false, lineStyle: { type: "dashed" }, itemStyle: { color: "#2e7d32" }
        }
      ]
    });
  }

  // Targeting: the shares (percent) as grouped bars; an unknown share is left out, not drawn as 0.
  var targeting = document.getElementById("targeting-chart");
  if (targeting) {
    var t = data("targeting-data");
    draw(targeting, {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
      legend: { top: 0, data: t.series.map(function (s) { return s.name; }) },
      grid: { top: 50, bottom: t.labels.length > 6 ? 110 : 40, containLabel: false },
      xAxis: { type: "category", data: t.labels, axisLabel: { rotate: t.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: t.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
    });
  }
});
