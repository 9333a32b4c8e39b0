// A phone's chat: bubbles (text, image, WeChat Work text card and button card) and notes; posting actions as form data.

export const $ = (id) => document.getElementById(id);

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// What a tap on a button card does (set by the page: it posts through the fake platform to /wework), and the
// cards by the ResponseCode of their last tap, so the update WeChat Work makes lands on the right card.
export const cardTaps = { handler: null, byCode: new Map() };

export function add(chatId, who, content) {
  const chat = $(chatId);
  const row = el("div", "msg " + who);
  const bubble = el("div", "bubble");
  if (content.kind === "image") {
    const img = el("img");
    img.src = content.image;
    img.alt = "图片";
    img.addEventListener("load", () => { chat.scrollTop = chat.scrollHeight; });  // its height is known only now
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
  } else if (content.kind === "template_card") {
    buttonCard(bubble, content);
  } else if (content.kind === "card_update") {
    const card = cardTaps.byCode.get(content.response_code);
    if (card) {
      disableCard(card, content.replace_name);
      return;
    }
    bubble.textContent = "卡片已更新：" + content.replace_name;
  } else {
    bubble.textContent = content.text;
  }
  row.appendChild(bubble);
  chat.appendChild(row);
  chat.scrollTop = chat.scrollHeight;
}

// A WeChat Work button card (button_interaction): facts, the 退回 reason picker, buttons that call back.
function buttonCard(bubble, content) {
  bubble.classList.add("card", "button-card");
  bubble.dataset.taskId = content.task_id;
  bubble.appendChild(el("h4", "", content.title));
  const desc = el("div", "desc");
  if (content.quote) desc.appendChild(el("div", "highlight", content.quote));
  desc.appendChild(el("div", "normal", content.description));
  content.facts.forEach(([name, value]) => desc.appendChild(el("div", "gray", name + "：" + value)));
  bubble.appendChild(desc);
  const picker = el("select");
  picker.title = "退回原因";
  content.reasons.forEach(([id, text]) => {
    const option = el("option", "", text);
    option.value = id;
    picker.appendChild(option);
  });
  if (content.reasons.length) {
    const label = el("label", "reasons", "退回原因 ");
    label.appendChild(picker);
    bubble.appendChild(label);
  }
  const buttons = el("div", "buttons");
  content.buttons.forEach((b) => {
    if (b.url) {
      const link = el("a", "button", b.text);
      link.href = b.url.replace(/^https?:\/\/[^/]+/, "");
      link.target = "_blank";
      buttons.appendChild(link);
      return;
    }
    const button = el("button", "", b.text);
    button.type = "button";
    button.dataset.key = b.key;
    button.addEventListener("click", async () => {
      if (!cardTaps.handler) return;
      const code = await cardTaps.handler({ task_id: content.task_id, key: b.key, reason: picker.value });
      if (code) cardTaps.byCode.set(code, bubble);
    });
    buttons.appendChild(button);
  });
  bubble.appendChild(buttons);
}

function disableCard(card, words) {
  const buttons = card.querySelector(".buttons");
  buttons.textContent = "";
  const done = el("button", "done", words);
  done.disabled = true;
  buttons.appendChild(done);
  card.querySelector(".reasons")?.remove();
}

// WeChat Work text cards allow <div class="gray|normal|highlight">: keep those, escape the rest.

// WeChat Work text cards allow <div class="gray|normal|highlight">: keep those, show the rest as text
// (entities decoded, as WeChat Work displays them; never parsed as markup).
function sanitizeCard(html) {
  const box = el("div");
  const pattern = /<div class="(gray|normal|highlight)">([\s\S]*?)<\/div>/g;
  let match;
  while ((match = pattern.exec(html)) !== null) {
    box.appendChild(el("div", match[1], decodeEntities(match[2])));
  }
  return box.innerHTML;
}

function decodeEntities(text) {
  return new DOMParser().parseFromString(text, "text/html").documentElement.textContent;
}

export function note(chatId, text, cls) {
  const chat = $(chatId);
  chat.appendChild(el("div", "note" + (cls ? " " + cls : ""), text));
  chat.scrollTop = chat.scrollHeight;
}

// POST ``fields`` (strings, or a File for "photo") as multipart form data; the JSON answer.
// An error page's JSON carries a message in Chinese for the phone to show.
export async function post(url, fields) {
  const form = new FormData();
  Object.entries(fields).forEach(([name, value]) => form.append(name, value));
  form.append("encrypted", $("aes").checked ? "1" : "0");
  const response = await fetch(url, { method: "POST", body: form });
  const answer = await response.json().catch(() => ({ message: "服务没有应答（HTTP " + response.status + "）" }));
  if (!response.ok) throw new Error(answer.message || "HTTP " + response.status);
  return answer;
}
