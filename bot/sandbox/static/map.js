// The location picker: the demo grids coloured by squad (with a legend), named places, a click sends a location.
/* global L */
import { el } from "./chat.js";

const SQUAD_COLOURS = ["#4c9be8", "#f08c00", "#2f9e44", "#ae3ec9", "#e03131", "#1098ad"];

// One colour per squad, in the order of their codes (the same colours on every load).
function squadColours(grids) {
  const squads = new Map();
  grids.map((f) => f.properties).sort((a, b) => a.squad.localeCompare(b.squad))
    .forEach((p) => { if (!squads.has(p.squad)) squads.set(p.squad, { name: p.squad_name, colour: SQUAD_COLOURS[squads.size % 6] }); });
  return squads;
}

function legend(squads) {
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => {
    const box = el("div", "legend");
    const list = el("ul");
    squads.forEach(({ name, colour }) => {
      const item = el("li");
      const swatch = el("span", "swatch");
      swatch.style.backgroundColor = colour;
      item.append(swatch, name);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  };
  return control;
}

// Place names never overlap nor run off the map: the first ones (in the gazetteer's order) win, the others
// wait for a closer zoom.
function declutter(map, labels) {
  const placed = [];
  const frame = map.getContainer().getBoundingClientRect();
  labels.forEach((tooltip) => {
    const node = tooltip.getElement();
    if (!node) return;
    node.style.visibility = "";
    const r = node.getBoundingClientRect();
    const cut = r.left < frame.left || r.right > frame.right || r.top < frame.top || r.bottom > frame.bottom;
    const clash = placed.some((p) => r.left < p.right && p.left < r.right && r.top < p.bottom && p.top < r.bottom);
    if (cut || clash) node.style.visibility = "hidden";
    else placed.push(r);
  });
}

export function initMap(area, tileUrl, onPick) {
  const map = L.map("map", { zoomControl: true, attributionControl: false, zoomSnap: 0.25 });
  const grids = area.features.filter((f) => f.properties.kind === "grid");
  const places = area.features.filter((f) => f.properties.kind === "place");
  const squads = squadColours(grids);
  const layer = L.geoJSON(grids, {
    style: (f) => ({ color: squads.get(f.properties.squad).colour, weight: 1, fillOpacity: 0.25 }),
    onEachFeature: (f, grid) => grid.bindTooltip(f.properties.name + "（" + f.properties.squad_name + "）",
                                                 { sticky: true, className: "grid-tip" }),
  });
  map.fitBounds(layer.getBounds());  // set the view first: layers with permanent tooltips need it
  layer.addTo(map);
  const labels = places.map((f) => {
    const [lng, lat] = f.geometry.coordinates;
    const dot = L.circleMarker([lat, lng], { radius: 3, color: "#333", weight: 1, fillOpacity: 0.9 }).addTo(map)
      .bindTooltip(f.properties.name, { permanent: true, direction: "right", offset: [4, 0], className: "place-label" });
    return dot.getTooltip();
  });
  map.on("zoomend moveend resize", () => declutter(map, labels));
  declutter(map, labels);
  legend(squads).addTo(map);
  if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);

  let marker = null;
  map.on("click", (event) => {
    const nearest = places
      .map((f) => ({ name: f.properties.name, d: map.distance(event.latlng, [f.geometry.coordinates[1], f.geometry.coordinates[0]]) }))
      .sort((a, b) => a.d - b.d)[0];
    if (marker) marker.remove();
    marker = L.marker(event.latlng).addTo(map);
    onPick(event.latlng, nearest && nearest.d < 300 ? nearest.name + "附近" : "");
  });
  return map;
}
