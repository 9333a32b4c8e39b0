// The case page's small map: the case's point and its grid (no tile server needed; tiles when configured).
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) { return; }
  var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  var grid = el.dataset.grid ? L.geoJSON(JSON.parse(el.dataset.grid), {
    style: { color: "#2f6fdf", weight: 2, fillOpacity: 0.08 } }) : null;
  var bounds = L.latLngBounds([point, point]);
  if (grid) { bounds.extend(grid.getBounds()); }
  // The view first: Leaflet draws vector layers only on a map that has one.
  var map = L.map(el, { attributionControl: false, scrollWheelZoom: false, maxZoom: 19 });
  map.fitBounds(bounds.pad(0.15), { maxZoom: 17 });
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  if (grid) { grid.addTo(map); }
  L.circleMarker(point, { radius: 8, color: "#fff", weight: 2, fillColor: "#d9480f", fillOpacity: 1 }).addTo(map);
})();
