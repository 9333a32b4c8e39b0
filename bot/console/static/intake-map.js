// The hotline page: pick the place on the map (GCJ-02, like the grids), or click a gazetteer suggestion.
(function () {
  "use strict";
  var el = document.getElementById("intake-map");
  if (!el || !window.L) { return; }
  var form = document.getElementById("intake-form");
  var lat = document.getElementById("intake-lat"), lng = document.getElementById("intake-lng");
  var status = document.getElementById("intake-point");
  var map = L.map(el, { attributionControl: false, maxZoom: 19 });
  map.setView([29.605, 119.045], 14);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var marker = null;
  function mark(point, text) {
    if (marker) { marker.setLatLng(point); } else {
      marker = L.circleMarker(point, { radius: 9, color: "#fff", weight: 2, fillColor: "#d9480f", fillOpacity: 1 }).addTo(map);
    }
    status.textContent = text;
  }
  var request = new XMLHttpRequest();
  request.open("GET", el.dataset.grids);
  request.onload = function () {
    if (request.status !== 200) { return; }
    var grids = L.geoJSON(JSON.parse(request.responseText), { style: { color: "#2f6fdf", weight: 1, fillOpacity: 0.06 } });
    grids.addTo(map).eachLayer(function (grid) { grid.bindTooltip(grid.feature.properties.name, { sticky: true }); });
    map.fitBounds(grids.getBounds());
    if (lat.value && lng.value) { mark([parseFloat(lat.value), parseFloat(lng.value)], "已在地图上选点"); }
    el.dataset.ready = "1";
  };
  request.send();
  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    lng.value = event.latlng.lng.toFixed(6);
    mark(event.latlng, "已在地图上选点 " + lat.value + ", " + lng.value);
  });
  document.getElementById("intake-clear").addEventListener("click", function () {
    lat.value = ""; lng.value = "";
    if (marker) { map.removeLayer(marker); marker = null; }
    status.textContent = "未选点：按地址定位";
  });
  // A suggestion fills the address (resolved by the gazetteer when the case is opened) and shows the place.
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button.place");
    if (!button) { return; }
    form.elements.address.value = button.dataset.name;
    lat.value = ""; lng.value = "";
    var point = [parseFloat(button.dataset.lat), parseFloat(button.dataset.lng)];
    mark(point, "按地址定位：" + button.dataset.name);
    map.setView(point, 15);
    document.getElementById("place-suggestions").innerHTML = "";
  });
})();
