// The console's map: grids, and cases clustered and coloured by state (red when overdue).
(function () {
  "use strict";
  var el = document.getElementById("cases-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { attributionControl: false, maxZoom: 19 }).setView([29.605, 119.045], 14);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var colours = { received: "#b7791f", dispatched: "#2f6fdf", accepted: "#0f8a5f", returned: "#8a4fd8",
                  reopened: "#8a4fd8", resolved: "#64748b" };

  function getJSON(url, done) {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () { if (request.status === 200) { done(JSON.parse(request.responseText)); } };
    request.send();
  }

  function text(tag, content) {
    var node = document.createElement(tag);
    node.textContent = content;
    return node;
  }

  getJSON(el.dataset.grids, function (grids) {
    var layer = L.geoJSON(grids, { style: { color: "#94a3b8", weight: 1, fillOpacity: 0.04 } }).addTo(map);
    layer.eachLayer(function (grid) { grid.bindTooltip(grid.feature.properties.name, { sticky: true }); });
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
    getJSON(el.dataset.points, function (data) {
      var cluster = L.markerClusterGroup({ maxClusterRadius: 40 });
      data.points.forEach(function (p) {
        var marker = L.circleMarker([p.lat, p.lng], { radius: 7, weight: 2, color: "#fff", fillOpacity: 0.95,
          fillColor: p.overdue ? "#d6336c" : (colours[p.state] || "#64748b") });
        var popup = document.createElement("div");
        var title = p.url ? document.createElement("a") : document.createElement("strong");
        title.textContent = p.number;
        if (p.url) { title.href = p.url; }
        popup.appendChild(title);
        popup.appendChild(text("div", p.category + " · " + p.state_label + (p.overdue ? " · 超期" : "")));
        marker.bindPopup(popup);
        cluster.addLayer(marker);
      });
      map.addLayer(cluster);
      el.dataset.ready = String(data.points.length);
    });
  });
})();
