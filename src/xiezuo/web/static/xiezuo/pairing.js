// The pairing network: eastern and western units as nodes coloured by province, pairings as
// links. Data comes from the JSON endpoint named in data-src (scoped like the list).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("network");
  if (!el || !window.echarts) { return; }
  var chart = echarts.init(el);
  chart.showLoading();
  fetch(el.dataset.src, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      chart.hideLoading();
      var nodes = data.nodes.map(function (n) {
        return {
          id: n.id, name: n.name, category: n.category,
          symbol: n.side === "east" ? "rect" : "circle",
          symbolSize: Math.min(8 + 3 * n.degree, 36),
          label: { show: data.nodes.length <= 60 || n.degree > 2 }
        };
      });
      var links = data.links.map(function (l) {
        return { source: l.source, target: l.target, value: l.id, lineStyle: { width: l.level < 3 ? 2.5 : 1 } };
      });
      chart.setOption({
        // Names are data (an organisation's name is typed by users): escaped, never HTML.
        tooltip: { formatter: function (p) { return p.dataType === "edge" ? "" : echarts.format.encodeHTML(p.data.name); } },
        legend: { type: "scroll", data: data.categories, bottom: 0 },
        series: [{
          type: "graph", layout: "force", roam: true, draggable: true,
          categories: data.categories.map(function (c) { return { name: c }; }),
          data: nodes, links: links,
          force: { repulsion: 60, edgeLength: [20, 80], gravity: 0.08 },
          lineStyle: { color: "source", opacity: 0.6 },
          emphasis: { focus: "adjacency" }
        }]
      });
      el.dataset.ready = String(nodes.length);
      chart.on("click", function (p) {
        if (p.dataType === "edge") { window.location = el.dataset.detail.replace("/0/", "/" + p.data.value + "/"); }
      });
    });
  window.addEventListener("resize", function () { chart.resize(); });
});
