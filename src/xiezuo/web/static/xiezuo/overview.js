// Charts of the overview page, from the data it embeds with json_script (no inline script):
// money by year, grades by side, and the top pairings coloured by grade.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) { return; }
  var source = document.getElementById("overview-data");
  if (!source) { return; }
  var d = JSON.parse(source.textContent);
  function draw(el, option) {
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  // Money: per kind, the approved part with the rest of the reports stacked on it.
  var money = document.getElementById("chart-money");
  if (money) {
    var colours = ["#3f6ea5", "#9bb7d4", "#b5651d", "#e3b98f"];
    draw(money, {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { top: 50 },
      xAxis: { type: "category", data: d.money.years },
      yAxis: { type: "value", name: "万元" },
      series: d.money.series.map(function (s, i) {
        return { name: s.name, type: "bar", stack: s.stack, data: s.data, itemStyle: { color: colours[i % colours.length] } };
      })
    });
  }
  // Grades: units per grade, stacked per side.
  var GRADE_COLOURS = { "好": "#2e7d32", "较好": "#8bc34a", "一般": "#e8a317", "差": "#b22222" };
  var grades = document.getElementById("chart-grades");
  if (grades) {
    draw(grades, {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { top: 40 },
      xAxis: { type: "category", data: d.grades.sides },
      yAxis: { type: "value", minInterval: 1 },
      series: d.grades.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "grade", data: s.data, itemStyle: { color: GRADE_COLOURS[s.name] } };
      })
    });
  }
  // The network: eastern units left, western right, each coloured by its grade (grey when
  // not graded or not yours to see); clicking a graded unit opens its scorecard.
  var net = document.getElementById("chart-network");
  if (net && d.network.nodes.length) {
    var east = d.network.nodes.filter(function (n) { return n.side === "east"; });
    var west = d.network.nodes.filter(function (n) { return n.side === "west"; });
    var rows = Math.max(east.length, west.length, 1);
    var step = 22;
    net.style.height = Math.min(Math.max(320, rows * step + 80), 4000) + "px";
    var grades_seen = Object.keys(GRADE_COLOURS).concat(["未评定"]);
    function place(list, x, position) {
      var gap = rows > 1 && list.length > 1 ? (rows - 1) * step / (list.length - 1) : 0;
      return list.map(function (n, i) {
        var g = n.grade || "未评定";
        return {
          id: n.id, name: n.name, side: n.side, grade: n.grade, x: x, y: i * gap,
          category: grades_seen.indexOf(g) < 0 ? grades_seen.length - 1 : grades_seen.indexOf(g),
          symbol: n.side === "east" ? "rect" : "circle", symbolSize: 14,
          label: { show: true, position: position, fontSize: 11 }
        };
      });
    }
    var chart = draw(net, {
      // Names are data: escaped, never HTML.
      tooltip: { formatter: function (p) { return p.dataType === "edge" ? "" : echarts.format.encodeHTML(p.data.name + " " + (p.data.grade || "未评定")); } },
      legend: { top: 0, data: grades_seen },
      color: grades_seen.map(function (g) { return GRADE_COLOURS[g] || "#999"; }),
      series: [{
        type: "graph", layout: "none", roam: true, top: 40, bottom: 20, left: 170, right: 170,
        categories: grades_seen.map(function (g) { return { name: g }; }),
        data: place(east, 0, "left").concat(place(west, 600, "right")),
        links: d.network.links.map(function (l) { return { source: l.source, target: l.target }; }),
        lineStyle: { color: "#999", opacity: 0.5 },
        emphasis: { focus: "adjacency", label: { fontWeight: "bold" } }
      }]
    });
    chart.on("click", function (p) {
      if (p.dataType === "node" && p.data.grade && p.data.id.indexOf("org:") !== 0) {
        window.location = net.dataset.card.replace("SIDE", p.data.side).replace("CODE", p.data.id);
      }
    });
  }
});
