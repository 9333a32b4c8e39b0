// What the service pushed to one phone, read by sequence from the fake platform (/sandbox/api/feed/…).
import { add, note } from "./chat.js";

export class Feed {
  // kind: "resident" (by openid) or "squad" (by WeChat Work userid); onNew: called after new bubbles.
  constructor(kind, chatId, { emptyNote, onNew }) {
    this.kind = kind;
    this.chatId = chatId;
    this.emptyNote = emptyNote;
    this.onNew = onNew;
    this.generation = 0;
    this.busy = false;
    this.follow(null);
  }

  // Read ``who``'s pushes from the start of the log: those sent before the page opened or the phone changed hands too.
  follow(who) {
    this.who = who;
    this.since = 0;
    this.mark = 0;
    this.keys = new Set();  // a push refused and sent again is logged twice with the same body: show it once
    this.loaded = false;
    this.generation += 1;
    this.poll();
  }

  async poll() {
    if (this.busy || !this.who) return;
    this.busy = true;
    const generation = this.generation;
    try {
      const query = new URLSearchParams({ [this.kind === "resident" ? "openid" : "userid"]: this.who,
                                          since: this.since, mark: this.mark });
      const response = await fetch("api/feed/" + this.kind + "?" + query);
      if (!response.ok) throw new Error("feed " + response.status);
      const feed = await response.json();
      if (generation !== this.generation) return;  // the phone changed hands meanwhile
      if (feed.restarted) note(this.chatId, "模拟微信平台重启过，以下从它的新记录读起");
      this.since = feed.last;
      this.mark = feed.mark;
      const fresh = feed.bubbles.filter((bubble) => !this.keys.has(bubble.key) && this.keys.add(bubble.key));
      fresh.forEach((bubble) => add(this.chatId, "them", bubble));
      if (!this.loaded) {
        this.loaded = true;
        if (fresh.length) note(this.chatId, "以上是此前收到的消息");
        else if (this.emptyNote) note(this.chatId, this.emptyNote);
      }
      if (fresh.length) this.onNew();
    } catch (error) {
      console.warn("feed", error);
    } finally {
      this.busy = false;
    }
  }
}
