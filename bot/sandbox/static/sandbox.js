// The simulator's page: two phones talking to the real webhooks through /sandbox/api.
import { $, add, cardTaps, el, note, post } from "./chat.js";
import { Feed } from "./feed.js";
import { initMap } from "./map.js";

const state = { openid: null, userid: null, config: null, map: null, area: null };
const feeds = {
  resident: new Feed("resident", "resident-chat", { onNew: refreshStatus }),
  squad: new Feed("squad", "squad-chat", { emptyNote: "还没有收到消息", onNew: refreshStatus }),
};

async function act(phone, url, fields, echo) {
  const chatId = phone + "-chat";
  if (echo) add(chatId, "me", echo);
  try {
    const result = await post(url, fields);
    if (result.status !== 200) note(chatId, "webhook 返回 " + result.status, "error");
    else if (result.reply) add(chatId, "them", { kind: "text", text: result.reply });
  } catch (error) {
    note(chatId, error.message, "error");
  }
  refreshStatus();
}

const resident = (fields, echo) => act("resident", "api/resident", { openid: state.openid, ...fields }, echo);
const squad = (fields, echo) => act("squad", "api/squad", { userid: state.userid, ...fields }, echo);

// A tap on a card's button: WeChat Work (the fake) posts template_card_event to the real /wework.
cardTaps.handler = async (fields) => {
  try {
    const result = await post("api/squad", { userid: state.userid, kind: "click", ...fields });
    if (result.status !== 200) note("squad-chat", "webhook 返回 " + result.status, "error");
    refreshStatus();
    return result.response_code;
  } catch (error) {
    note("squad-chat", error.message, "error");
    return null;
  }
};

// The strip: the case the last action on screen concerned.
async function refreshStatus() {
  const query = new URLSearchParams({ openid: state.openid || "", userid: state.userid || "" });
  const data = await (await fetch("api/status?" + query)).json();
  const body = $("strip-body");
  body.textContent = "";
  if (!data.case) {
    body.textContent = "还没有案件。在左边以市民身份发送照片、位置和一句话试试。";
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
  const open = el("a", "tag console-link", "在指挥中心查看 →");  // the bureau's console, same case
  open.href = `/console/cases/${encodeURIComponent(c.number)}`;
  open.target = "_blank";
  open.rel = "noopener";
  body.appendChild(open);
}

function lastNumber() {
  const text = $("resident-chat").innerText + $("squad-chat").innerText;
  const all = text.match(/\d{8}-\d{4,}/g);
  return all ? all[all.length - 1] : "";
}

// A photo from disk: the file itself goes with the form; the phone shows it at once.
function sendFile(input, send) {
  const file = input.files[0];
  if (!file) return;
  input.value = "";
  send({ kind: "image", photo: file }, { kind: "image", image: URL.createObjectURL(file) });
}

function showMap(shown = true) {
  $("map-panel").hidden = !shown;
  $("map-hint").hidden = shown;
  if (!shown) return;
  if (!state.map) {
    state.map = window.citybotSandboxMap = initMap(state.area, state.config.tile_url, (latlng, label) => {  // exposed for the browser test
      const lat = latlng.lat.toFixed(6), lng = latlng.lng.toFixed(6);
      resident({ kind: "location", lat, lng, label },
               { kind: "text", text: "［位置］" + (label || latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5)) });
    });
  }
  state.map.invalidateSize();
}

// WeChat's ＋ panel under the input bar: 照片, 位置, 示例照片. Choosing one closes it, as in WeChat.
function setUpPlusPanel() {
  const panel = $("resident-panel"), plus = $("resident-plus"), samples = $("samples");
  const samplesButton = panel.querySelector("[data-plus='samples']");
  const open = (yes) => {
    panel.hidden = !yes;
    plus.setAttribute("aria-expanded", String(yes));
    if (!yes) {
      samples.hidden = true;
      samplesButton.setAttribute("aria-expanded", "false");
    }
  };
  plus.addEventListener("click", () => open(panel.hidden));
  panel.querySelector("[data-plus='photo']").addEventListener("click", () => { open(false); $("resident-photo").click(); });
  panel.querySelector("[data-plus='location']").addEventListener("click", () => { open(false); showMap(); });
  samplesButton.addEventListener("click", () => {
    samples.hidden = !samples.hidden;
    samplesButton.setAttribute("aria-expanded", String(!samples.hidden));
  });
  state.config.samples.forEach((s) => {
    const button = el("button");
    button.type = "button";
    button.dataset.sample = s.name;
    const img = el("img");
    img.src = "samples/" + s.name + ".jpg";
    img.alt = s.label;
    button.append(img, el("span", "", s.label));
    button.addEventListener("click", () => {
      open(false);
      resident({ kind: "image", sample: s.name }, { kind: "image", image: img.src });
    });
    samples.appendChild(button);
  });
  // With words typed, 发送 takes the place of ＋ (WeChat does the same).
  const text = $("resident-text"), send = $("resident-form").querySelector(".send");
  text.addEventListener("input", () => {
    const typed = text.value.trim() !== "";
    send.hidden = !typed;
    plus.hidden = typed;
    if (typed) open(false);
  });
  text.addEventListener("focus", () => open(false));
}

function setUpResident() {
  $("resident").addEventListener("change", (e) => {
    state.openid = e.target.value;
    $("resident-chat").textContent = "";
    feeds.resident.follow(state.openid);
    refreshStatus();
  });
  $("follow").addEventListener("click", () => resident({ kind: "subscribe" }, { kind: "text", text: "（关注公众号）" }));
  $("unfollow").addEventListener("click", () => resident({ kind: "unsubscribe" }, { kind: "text", text: "（取消关注）" }));
  document.querySelectorAll("#resident-phone .menu button").forEach((b) =>
    b.addEventListener("click", () => resident({ kind: "click", key: b.dataset.key }, { kind: "text", text: "［菜单］" + b.textContent })));
  $("resident-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("resident-text").value.trim();
    if (!text) return;
    $("resident-text").value = "";
    $("resident-text").dispatchEvent(new Event("input"));
    resident({ kind: "text", content: text }, { kind: "text", text });
  });
  $("resident-photo").addEventListener("change", () => sendFile($("resident-photo"), resident));
  $("close-map").addEventListener("click", () => showMap(false));
  setUpPlusPanel();
}

function setUpSquad() {
  $("staff").addEventListener("change", (e) => {
    state.userid = e.target.value;
    $("squad-chat").textContent = "";
    feeds.squad.follow(state.userid);
    refreshStatus();
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
  $("squad-photo").addEventListener("change", () => sendFile($("squad-photo"), squad));
  $("squad-sample").addEventListener("click", () =>
    squad({ kind: "image", sample: "stall" }, { kind: "image", image: "samples/stall.jpg" }));
}

async function start() {
  const [config, area] = await Promise.all([fetch("api/config"), fetch("api/area")].map((r) => r.then((x) => x.json())));
  state.config = config;
  state.area = area;
  config.residents.forEach((r) => $("resident").appendChild(new Option(r.name, r.openid)));
  config.staff.forEach((s) => $("staff").appendChild(new Option(s.unit_name + " " + s.name + (s.role === "leader" ? "（队长）" : ""), s.userid)));
  const member = config.staff.find((s) => s.unit === "SQ02" && s.role === "member") || config.staff[0];
  state.openid = config.residents[0].openid;
  state.userid = member ? member.userid : "";
  $("staff").value = state.userid;
  setUpResident();
  setUpSquad();
  feeds.resident.follow(state.openid);
  feeds.squad.follow(state.userid);
  setInterval(() => Object.values(feeds).forEach((feed) => feed.poll()), 700);
  await refreshStatus();
  document.body.dataset.ready = "1";
}

start();
