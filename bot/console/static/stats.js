// The statistics page: ECharts for the trend and the categories, Leaflet for the grid heat maps.
// The numbers come from <script type="application/json" id="stats-data"> (the CSP allows no inline script).
(function () {
  "use strict";
  var source = document.getElementById("stats-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var font = '-apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  var charts = [];

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return; }
    var drawn = echarts.init(el, null, { renderer: "canvas" });
    drawn.on("finished", function () { el.dataset.ready = "1"; });  // before setOption: it may draw at once
    drawn.setOption(Object.assign({ textStyle: { fontFamily: font }, animation: false }, option));
    charts.push(drawn);
  }

  chart("trend-chart", {
    color: ["#2f6fdf", "#b7791f", "#0f8a5f"],
    tooltip: { trigger: "axis" },
    legend: { data: ["受理", "派遣", "结案"], top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: data.trend.days, boundaryGap: false },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "受理", type: "line", data: data.trend.received, symbolSize: 4 },
      { name: "派遣", type: "line", data: data.trend.dispatched, symbolSize: 4 },
      { name: "结案", type: "line", data: data.trend.closed, symbolSize: 4 }
    ]
  });

  chart("category-chart", {
    color: ["#2f6fdf", "#c3cfe2"],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { data: ["本期", "上期"], top: 0 },
    grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.categories.names, axisLabel: { width: 96, overflow: "truncate" } },
    series: [
      { name: "本期", type: "bar", data: data.categories.now, barMaxWidth: 14 },
      { name: "上期", type: "bar", data: data.categories.before, barMaxWidth: 14 }
    ]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  // Grid heat map: each grid filled by its count (five steps up to the busiest grid).
  var el = document.getElementById("heat-map");
  if (!el || !window.L) { return; }
  var steps = ["#f1f5fb", "#c6dbf5", "#8fb8ea", "#4f8ad9", "#1f5bb8"];
  var hot = ["#fdf1f4", "#f9c9d6", "#f08fab", "#e05581", "#b8254f"];
  var map = L.map(el, { attributionControl: false, maxZoom: 19, scrollWheelZoom: false }).setView([29.605, 119.045], 13);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var layer = null;
  var shown = "received";

  function colour(n, max, palette) {
    if (!n) { return palette[0]; }
    return palette[Math.min(palette.length - 1, 1 + Math.floor((n / (max || 1)) * (palette.length - 1.0001)))];
  }

  function legend(max, palette) {
    var box = document.getElementById("heat-legend");
    box.textContent = "";
    box.appendChild(document.createTextNode(shown === "received" ? "本期受理（件）：" : "当前超期（件）："));
    [0, 1, 2, 3, 4].forEach(function (i) {
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = palette[i];
      box.appendChild(swatch);
    });
    box.appendChild(document.createTextNode(" 0 — " + max));
  }

  function paint() {
    if (!layer) { return; }
    var counts = data.heat[shown] || {};
    var palette = shown === "received" ? steps : hot;
    var max = 0;
    Object.keys(counts).forEach(function (k) { max = Math.max(max, counts[k]); });
    layer.eachLayer(function (grid) {
      var n = counts[grid.feature.properties.code] || 0;
      grid.setStyle({ fillColor: colour(n, max, palette), fillOpacity: 0.75, color: "#7d8ca3", weight: 1 });
      grid.setTooltipContent(grid.feature.properties.name + "：" + n + " 件");
    });
    legend(max, palette);
  }

  var request = new XMLHttpRequest();
  request.open("GET", el.dataset.grids);
  request.setRequestHeader("Accept", "application/json");
  request.onload = function () {
    if (request.status !== 200) { return; }
    layer = L.geoJSON(JSON.parse(request.responseText)).addTo(map);
    layer.eachLayer(function (grid) { grid.bindTooltip(grid.feature.properties.name, { sticky: true }); });
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
    paint();
    el.dataset.ready = "1";
  };
  request.send();

  Array.prototype.forEach.call(document.querySelectorAll(".heat-switch button"), function (button) {
    button.addEventListener("click", function () {
      shown = button.dataset.layer;
      Array.prototype.forEach.call(document.querySelectorAll(".heat-switch button"), function (b) {
        b.classList.toggle("on", b === button);
      });
      paint();
    });
  });
})();
