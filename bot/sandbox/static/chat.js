// A phone's chat: bubbles (text, image, WeChat Work text card) and notes; posting actions as form data.

export const $ = (id) => document.getElementById(id);

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

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
  } else {
    bubble.textContent = content.text;
  }
  row.appendChild(bubble);
  chat.appendChild(row);
  chat.scrollTop = chat.scrollHeight;
}

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
