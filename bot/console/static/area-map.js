// The areas page: an uploaded file's grids drawn before they are applied.
(function () {
  "use strict";
  var el = document.getElementById("area-map");
  if (!el || !window.L) { return; }
  var request = new XMLHttpRequest();
  request.open("GET", el.dataset.features);
  request.onload = function () {
    if (request.status !== 200) { return; }
    var layer = L.geoJSON(JSON.parse(request.responseText), { style: { color: "#2f6fdf", weight: 1, fillOpacity: 0.08 } });
    var map = L.map(el, { attributionControl: false, maxZoom: 19 });
    map.fitBounds(layer.getBounds());
    layer.addTo(map).eachLayer(function (grid) { grid.bindTooltip(grid.feature.properties.name, { sticky: true }); });
    el.dataset.ready = "1";
  };
  request.send();
})();
