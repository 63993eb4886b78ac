// Charts of the assessment pages, from data embedded with json_script (no inline script).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) { return; }
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function draw(el, option) {
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  // Rankings: one horizontal bar per unit, best on top.
  var ranking = data("assessment-ranking");
  if (ranking) {
    ["east", "west"].forEach(function (side) {
      var el = document.getElementById("chart-" + side);
      var d = ranking[side];
      if (!el || !d || !d.units.length) { if (el) { el.remove(); } return; }
      el.style.height = Math.max(160, 28 * d.units.length + 60) + "px";
      draw(el, {
        tooltip: { trigger: "axis" },
        grid: { left: 120, right: 30, top: 10, bottom: 30 },
        xAxis: { type: "value", max: 100 },
        yAxis: { type: "category", inverse: true, data: d.units },
        series: [{ type: "bar", data: d.totals, label: { show: true, position: "right" }, itemStyle: { color: side === "east" ? "#3f6ea5" : "#b5651d" } }]
      });
    });
  }
  // The assessed pairs, coloured by grade.
  var net = document.getElementById("chart-network");
  if (ranking && net) {
    var n = ranking.network;
    if (!n.nodes.length) { net.remove(); } else {
      var colours = { "好": "#2e7d32", "较好": "#7cb342", "一般": "#f9a825", "差": "#c62828" };
      var rows = Math.max.apply(null, n.nodes.map(function (d) { return d.y; })) + 1;
      net.style.height = Math.max(200, 34 * rows + 40) + "px";
      draw(net, {
        tooltip: { formatter: function (p) { return p.dataType === "node" ? echarts.format.encodeHTML(p.data.name + " " + p.data.total + " " + p.data.grade) : ""; } },
        legend: { data: n.grades, top: 0 },
        series: [{
          type: "graph", layout: "none", roam: false,
          categories: n.grades.map(function (g) { return { name: g, itemStyle: { color: colours[g] } }; }),
          data: n.nodes.map(function (d) {
            return { id: d.id, name: d.name, total: d.total, grade: d.grade, x: d.x * 600, y: d.y * 34,
                     category: n.grades.indexOf(d.grade), symbolSize: 14,
                     label: { show: true, position: d.x === 0 ? "left" : "right" } };
          }),
          links: n.links, lineStyle: { color: "#aaa", curveness: 0.1 }
        }]
      });
    }
  }
  // A unit's scorecard: score against weight by area (radar), and its total over the years.
  var card = data("assessment-card");
  if (card) {
    var radar = document.getElementById("chart-radar");
    if (radar && card.areas.length) {
      draw(radar, {
        tooltip: {},
        legend: { bottom: 0, data: [card.names.score, card.names.weight] },
        radar: { indicator: card.areas.map(function (a, i) { return { name: a, max: card.weights[i] || 1 }; }) },
        series: [{ type: "radar", data: [
          { name: card.names.weight, value: card.weights, lineStyle: { type: "dashed" } },
          { name: card.names.score, value: card.scores, areaStyle: { opacity: 0.3 } }
        ] }]
      });
    }
    var trend = document.getElementById("chart-trend");
    if (trend && card.trend.length) {
      draw(trend, {
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: card.trend.map(function (t) { return t[0]; }) },
        yAxis: { type: "value", max: 100 },
        series: [{ type: "line", data: card.trend.map(function (t) { return t[1]; }), label: { show: true, formatter: function (p) { return p.value + " " + card.trend[p.dataIndex][2]; } } }]
      });
    }
  }
});
