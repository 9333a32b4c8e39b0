// The simulator's page: two phones talking to the real webhooks through /sandbox/api.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const state = { since: 0, openid: null, userid: null, config: null, polling: false };
  const SQUAD_COLOURS = ["#4c9be8", "#f08c00", "#2f9e44", "#ae3ec9", "#e03131", "#1098ad"];

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function add(chatId, who, content) {
    const chat = $(chatId);
    const row = el("div", "msg " + who);
    const bubble = el("div", "bubble");
    if (content.kind === "image") {
      const img = el("img");
      img.src = content.image;
      img.alt = "图片";
      bubble.appendChild(img);
    } else if (content.kind === "textcard") {
      bubble.classList.add("card");
      bubble.appendChild(el("h4", "", content.title));
      const desc = el("div", "desc");
      desc.innerHTML = sanitizeCard(content.description);
      bubble.appendChild(desc);
      const link = el("a", "", "详情");
      link.href = content.url.replace(/^https?:\/\/[^/]+/, "");
      link.target = "_blank";
      bubble.appendChild(link);
    } else {
      bubble.textContent = content.text;
    }
    row.appendChild(bubble);
    chat.appendChild(row);
    chat.scrollTop = chat.scrollHeight;
  }

  // WeChat Work text cards allow <div class="gray|normal|highlight">: keep those, escape the rest.
  function sanitizeCard(html) {
    const box = el("div");
    const pattern = /<div class="(gray|normal|highlight)">([\s\S]*?)<\/div>/g;
    let match;
    while ((match = pattern.exec(html)) !== null) {
      box.appendChild(el("div", match[1], match[2]));
    }
    return box.innerHTML;
  }

  function note(chatId, text) {
    $(chatId).appendChild(el("div", "note", text));
  }

  async function post(url, data) {
    const form = data instanceof FormData ? data : new FormData();
    if (!(data instanceof FormData)) Object.entries(data).forEach(([k, v]) => form.append(k, v));
    form.append("encrypted", $("aes").checked ? "1" : "0");
    const response = await fetch(url, { method: "POST", body: form });
    if (!response.ok) throw new Error(await response.text());
    return response.json();
  }

  async function resident(data, echo) {
    if (echo) add("resident-chat", "me", echo);
    const result = await post("api/resident", Object.assign({ openid: state.openid }, data));
    if (result.status !== 200) note("resident-chat", "webhook 返回 " + result.status);
    else if (result.reply) add("resident-chat", "them", { kind: "text", text: result.reply });
    refreshStatus();
  }

  async function squad(data, echo) {
    if (echo) add("squad-chat", "me", echo);
    const result = await post("api/squad", Object.assign({ userid: state.userid }, data));
    if (result.status !== 200) note("squad-chat", "webhook 返回 " + result.status);
    else if (result.reply) add("squad-chat", "them", { kind: "text", text: result.reply });
    refreshStatus();
  }

  async function poll() {
    if (state.polling) return;
    state.polling = true;
    try {
      const query = new URLSearchParams({ since: state.since, openid: state.openid, userid: state.userid });
      const feed = await (await fetch("api/feed?" + query)).json();
      state.since = feed.last;
      feed.resident.forEach((b) => add("resident-chat", "them", b));
      feed.squad.forEach((b) => add("squad-chat", "them", b));
      if (feed.resident.length || feed.squad.length) refreshStatus();
    } catch (error) {
      console.warn("feed", error);
    } finally {
      state.polling = false;
    }
  }

  async function refreshStatus() {
    const data = await (await fetch("api/status?openid=" + encodeURIComponent(state.openid))).json();
    const body = $("strip-body");
    body.textContent = "";
    if (!data.case) {
      body.textContent = "这位市民还没有案件。";
      return;
    }
    const c = data.case;
    const tags = [["编号", c.number], ["状态", c.state], ["类别", c.category], ["网格", c.grid],
                  ["处置单位", c.unit || (c.triage ? "待指挥中心分拨" : null)], ["时限", c.deadline],
                  ["合并至", c.merged_into]];
    tags.filter((t) => t[1]).forEach(([label, value]) => {
      const tag = el("span", "tag");
      tag.appendChild(el("b", "", label));
      tag.appendChild(document.createTextNode(value));
      tag.dataset.field = label;
      body.appendChild(tag);
    });
    body.appendChild(el("span", "tag", c.console ? "" : "控制台：即将推出"));
  }

  function lastNumber() {
    const text = $("resident-chat").innerText + $("squad-chat").innerText;
    const all = text.match(/\d{8}-\d{4,}/g);
    return all ? all[all.length - 1] : "";
  }

  async function photoFile(input, send) {
    const file = input.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("photo", file);
    await send(form, { kind: "image", image: URL.createObjectURL(file) });
    input.value = "";
  }

  function initMap(area) {
    const map = L.map("map", { zoomControl: true, attributionControl: false });
    const squads = {};
    const grids = L.geoJSON(area, {
      filter: (f) => f.properties.kind === "grid",
      style: (f) => {
        if (!(f.properties.squad in squads)) squads[f.properties.squad] = SQUAD_COLOURS[Object.keys(squads).length % 6];
        return { color: squads[f.properties.squad], weight: 1, fillOpacity: 0.25 };
      },
      onEachFeature: (f, layer) => layer.bindTooltip(f.properties.name + "（" + f.properties.squad + "）"),
    });
    map.fitBounds(grids.getBounds());  // set the view first: layers with permanent tooltips need it
    grids.addTo(map);
    area.features.filter((f) => f.properties.kind === "place").forEach((f) => {
      const [lng, lat] = f.geometry.coordinates;
      L.circleMarker([lat, lng], { radius: 3, color: "#333" }).addTo(map)
        .bindTooltip(f.properties.name, { permanent: true, direction: "right", className: "place-label" });
    });
    if (state.config.tile_url) L.tileLayer(state.config.tile_url, { maxZoom: 19 }).addTo(map);
    let marker = null;
    map.on("click", (event) => {
      const { lat, lng } = event.latlng;
      const nearest = area.features.filter((f) => f.properties.kind === "place")
        .map((f) => ({ name: f.properties.name, d: map.distance(event.latlng, [f.geometry.coordinates[1], f.geometry.coordinates[0]]) }))
        .sort((a, b) => a.d - b.d)[0];
      const label = nearest && nearest.d < 300 ? nearest.name + "附近" : "";
      if (marker) marker.remove();
      marker = L.marker(event.latlng).addTo(map);
      resident({ kind: "location", lat: lat.toFixed(6), lng: lng.toFixed(6), label },
               { kind: "text", text: "［位置］" + (label || lat.toFixed(5) + ", " + lng.toFixed(5)) });
    });
    return map;
  }

  async function start() {
    const config = (state.config = await (await fetch("api/config")).json());
    config.residents.forEach((r) => $("resident").appendChild(new Option(r.name, r.openid)));
    config.staff.forEach((s) => $("staff").appendChild(new Option(s.unit_name + " " + s.name + (s.role === "leader" ? "（队长）" : ""), s.userid)));
    const member = config.staff.find((s) => s.unit === "SQ02" && s.role === "member") || config.staff[0];
    state.openid = config.residents[0].openid;
    state.userid = member ? member.userid : "";
    $("staff").value = state.userid;
    config.samples.forEach((s) => {
      const button = el("button");
      button.type = "button";
      button.dataset.sample = s.name;
      const img = el("img");
      img.src = "samples/" + s.name + ".jpg";
      img.alt = s.label;
      button.appendChild(img);
      button.appendChild(el("span", "", s.label));
      button.addEventListener("click", () => resident({ kind: "image", sample: s.name }, { kind: "image", image: img.src }));
      $("samples").appendChild(button);
    });

    $("resident").addEventListener("change", (e) => { state.openid = e.target.value; $("resident-chat").textContent = ""; refreshStatus(); });
    $("staff").addEventListener("change", (e) => { state.userid = e.target.value; $("squad-chat").textContent = ""; });
    $("follow").addEventListener("click", () => resident({ kind: "subscribe" }, { kind: "text", text: "（关注公众号）" }));
    $("unfollow").addEventListener("click", () => resident({ kind: "unsubscribe" }, { kind: "text", text: "（取消关注）" }));
    document.querySelectorAll("#resident-phone .menu button").forEach((b) =>
      b.addEventListener("click", () => resident({ kind: "click", key: b.dataset.key }, { kind: "text", text: "［菜单］" + b.textContent })));
    $("resident-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = $("resident-text").value.trim();
      if (!text) return;
      $("resident-text").value = "";
      resident({ kind: "text", content: text }, { kind: "text", text });
    });
    $("resident-photo-btn").addEventListener("click", () => $("resident-photo").click());
    $("resident-photo").addEventListener("change", () => photoFile($("resident-photo"), (form, echo) => {
      form.append("kind", "image");
      return resident(form, echo);
    }));
    $("toggle-samples").addEventListener("click", () => { $("samples").hidden = !$("samples").hidden; });
    let map = null;
    const area = await (await fetch("api/area")).json();
    $("toggle-map").addEventListener("click", () => {
      $("map-panel").hidden = !$("map-panel").hidden;
      if (!map) map = window.citybotSandboxMap = initMap(area);  // exposed for the browser test
      map.invalidateSize();
    });

    document.querySelectorAll("#squad-phone .menu button").forEach((b) => b.addEventListener("click", () => {
      const number = b.dataset.cmd === "待办" ? "" : " " + lastNumber();
      const text = b.dataset.cmd + number + (b.dataset.cmd === "办结" ? " 已处置完毕" : "");
      squad({ kind: "text", content: text }, { kind: "text", text });
    }));
    $("squad-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = $("squad-text").value.trim();
      if (!text) return;
      $("squad-text").value = "";
      squad({ kind: "text", content: text }, { kind: "text", text });
    });
    $("squad-photo-btn").addEventListener("click", () => $("squad-photo").click());
    $("squad-photo").addEventListener("change", () => photoFile($("squad-photo"), (form, echo) => {
      form.append("kind", "image");
      return squad(form, echo);
    }));
    $("squad-sample").addEventListener("click", () =>
      squad({ kind: "image", sample: "stall" }, { kind: "image", image: "samples/stall.jpg" }));

    const feed = await (await fetch("api/feed?since=0")).json();
    state.since = feed.last;  // start from now: earlier traffic belongs to other sessions
    setInterval(poll, 700);
    refreshStatus();
    document.body.dataset.ready = "1";
  }

  start();
})();
