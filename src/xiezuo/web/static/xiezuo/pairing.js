// The pairing network: eastern and western units as nodes coloured by province, pairings as
// links. Data comes from the JSON endpoint named in data-src (scoped like the list).
// Laid out in two columns — eastern units left, western right, each sorted by province and
// name — so labels never sit on top of each other at any scope; zoom and pan with the wheel,
// hovering a unit brings out its pairings.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("network");
  if (!el || !window.echarts) { return; }
  fetch(el.dataset.src, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var step = 18;
      function column(side) {
        return data.nodes.filter(function (n) { return n.side === side; }).sort(function (a, b) {
          return a.category - b.category || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
        });
      }
      var west = column("west");
      // Eastern units in the order of their partners (mean row of the western units they
      // help), so the lines cross as little as a simple ordering allows.
      var row = {};
      west.forEach(function (n, i) { row[n.id] = i; });
      var centre = {};
      data.links.forEach(function (l) {
        var c = centre[l.source] || (centre[l.source] = { sum: 0, n: 0 });
        if (row[l.target] !== undefined) { c.sum += row[l.target]; c.n += 1; }
      });
      function mean(n) { var c = centre[n.id]; return c && c.n ? c.sum / c.n : 0; }
      var east = data.nodes.filter(function (n) { return n.side === "east"; }).sort(function (a, b) {
        return mean(a) - mean(b) || a.category - b.category;
      });
      var rows = Math.max(east.length, west.length, 1);
      el.style.height = Math.min(Math.max(420, rows * step + 80), 6000) + "px";
      var chart = echarts.init(el);
      function place(list, x, position) {
        // Spread the shorter column over the same height as the longer one.
        var gap = rows > 1 && list.length > 1 ? (rows - 1) * step / (list.length - 1) : 0;
        return list.map(function (n, i) {
          return {
            id: n.id, name: n.name, category: n.category, x: x, y: i * gap,
            symbol: n.side === "east" ? "rect" : "circle",
            symbolSize: Math.min(6 + 2 * n.degree, 22),
            label: { show: true, position: position, fontSize: 11 }
          };
        });
      }
      var nodes = place(east, 0, "left").concat(place(west, 600, "right"));
      var links = data.links.map(function (l) {
        return { source: l.source, target: l.target, value: l.id, lineStyle: { width: l.level < 3 ? 2.5 : 1 } };
      });
      chart.setOption({
        // Names are data (an organisation's name is typed by users): escaped, never HTML.
        tooltip: { formatter: function (p) { return p.dataType === "edge" ? "" : echarts.format.encodeHTML(p.data.name); } },
        legend: { type: "scroll", data: data.categories, top: 0 },
        series: [{
          type: "graph", layout: "none", roam: true, top: 40, bottom: 20, left: 170, right: 170,
          categories: data.categories.map(function (c) { return { name: c }; }),
          data: nodes, links: links,
          lineStyle: { color: "source", opacity: 0.5, curveness: 0.05 },
          emphasis: { focus: "adjacency", label: { fontWeight: "bold" } }
        }]
      });
      el.dataset.ready = String(nodes.length);
      focusing(chart, nodes, data.links);
      chart.on("click", function (p) {
        if (p.dataType === "edge") { window.location = el.dataset.detail.replace("/0/", "/" + p.data.value + "/"); }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
});

// Find a unit by name: its node and pairings are brought out in the chart, scrolled into view,
// and its pairings listed beside as a table (partner, link to the pairing). Names are data:
// written as text, never as HTML.
function focusing(chart, nodes, links) {
  var input = document.getElementById("network-find");
  var list = document.getElementById("network-units");
  var box = document.getElementById("network-focus");
  if (!input || !list || !box) { return; }
  var byName = {};
  var byId = {};
  nodes.forEach(function (n, i) {
    byName[n.name] = i;
    byId[n.id] = n;
    var option = document.createElement("option");
    option.value = n.name;
    list.appendChild(option);
  });
  var detail = document.getElementById("network").dataset.detail;
  input.addEventListener("change", function () {
    var index = byName[input.value.trim()];
    chart.dispatchAction({ type: "downplay", seriesIndex: 0 });
    if (index === undefined) { box.hidden = true; return; }
    var node = nodes[index];
    chart.dispatchAction({ type: "highlight", seriesIndex: 0, dataIndex: index });
    document.getElementById("network-focus-name").textContent = node.name;
    var body = box.querySelector("tbody");
    body.textContent = "";
    links.forEach(function (l) {
      if (l.source !== node.id && l.target !== node.id) { return; }
      var partner = byId[l.source === node.id ? l.target : l.source];
      var row = body.insertRow();
      row.insertCell().textContent = partner ? partner.name : "";
      var a = document.createElement("a");
      a.href = detail.replace("/0/", "/" + l.id + "/");
      a.textContent = (box.dataset.number || "No.") + " " + l.id;
      row.insertCell().appendChild(a);
    });
    box.hidden = false;
    var pixel = chart.convertToPixel({ seriesIndex: 0 }, [node.x, node.y]);
    if (pixel) {
      var top = chart.getDom().getBoundingClientRect().top + window.scrollY + pixel[1];
      window.scrollTo({ top: Math.max(top - 200, 0) });
    }
  });
}

