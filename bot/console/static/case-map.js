// The case page's small map: the case's point and its grid (no tile server needed; tiles when configured).
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) { return; }
  var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  var map = L.map(el, { zoomControl: true, attributionControl: false, scrollWheelZoom: false });
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var bounds = L.latLngBounds([point, point]);
  if (el.dataset.grid) {
    var grid = L.geoJSON(JSON.parse(el.dataset.grid), { style: { color: "#2f6fdf", weight: 2, fillOpacity: 0.08 } }).addTo(map);
    bounds = bounds.extend(grid.getBounds());
  }
  L.circleMarker(point, { radius: 8, color: "#fff", weight: 2, fillColor: "#d9480f", fillOpacity: 1 }).addTo(map);
  map.fitBounds(bounds.pad(0.25), { maxZoom: 17 });
})();
