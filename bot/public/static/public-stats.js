// The public monthly figures: the categories chart (ECharts) and closed cases per grid (Leaflet), from the
// JSON in <script type="application/json" id="public-data"> (the page allows no inline script).
(function () {
  "use strict";
  var source = document.getElementById("public-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var el = document.getElementById("category-chart");
  if (el && window.echarts) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.on("finished", function () { el.dataset.ready = "1"; });  // before setOption: it may draw at once
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: '-apple-system, "PingFang SC", "Noto Sans CJK SC", sans-serif' },
      color: ["#0b7a4b", "#b9d8c8"],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: data.months, top: 0 },
      grid: { left: 4, right: 20, top: 28, bottom: 4, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.categories.names, axisLabel: { width: 84, overflow: "truncate" } },
      series: [{ name: data.months[0], type: "bar", data: data.categories.now, barMaxWidth: 12 },
               { name: data.months[1], type: "bar", data: data.categories.before, barMaxWidth: 12 }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var box = document.getElementById("closed-map");
  if (!box || !window.L) { return; }
  var palette = ["#f3f7f5", "#cfe8da", "#96cdb0", "#4faa7c", "#0b7a4b"];
  var map = L.map(box, { attributionControl: false, scrollWheelZoom: false, maxZoom: 18 }).setView([29.605, 119.045], 13);
  if (box.dataset.tiles) { L.tileLayer(box.dataset.tiles, { maxZoom: 18 }).addTo(map); }
  var layer = L.geoJSON(data.grids).addTo(map);
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
  layer.eachLayer(function (grid) { grid.bindTooltip(grid.feature.properties.name, { sticky: true }); });

  function show(month) {
    var counts = data.closed[month] || {};
    var max = 0;
    Object.keys(counts).forEach(function (k) { max = Math.max(max, counts[k]); });
    layer.eachLayer(function (grid) {
      var n = counts[grid.feature.properties.code] || 0;
      var step = n ? Math.min(4, 1 + Math.floor((n / (max || 1)) * 3.9999)) : 0;
      grid.setStyle({ fillColor: palette[step], fillOpacity: 0.8, color: "#86a596", weight: 1 });
      grid.setTooltipContent(grid.feature.properties.name + "：结案 " + n + " 件");
    });
    var legend = document.getElementById("map-legend");
    legend.textContent = month + " 结案（件）：";
    palette.forEach(function (c) {
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = c;
      legend.appendChild(swatch);
    });
    legend.appendChild(document.createTextNode(" 0 — " + max));
  }

  Array.prototype.forEach.call(document.querySelectorAll(".switch button"), function (button) {
    button.addEventListener("click", function () {
      Array.prototype.forEach.call(document.querySelectorAll(".switch button"), function (b) {
        b.classList.toggle("on", b === button);
      });
      show(button.dataset.month);
    });
  });
  show(data.months[0]);
  box.dataset.ready = "1";
})();
