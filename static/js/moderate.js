// The console, live: on every event it reloads its own server-rendered lists (one
// rendering path for the moderation forms), but never while the moderator is typing.
import { announcer, connect } from "./live.js";
import { showStatus, texts } from "./wall.js";

const t = texts();
const statusEl = document.querySelector("[data-connection]");
const announce = announcer(document.querySelector("[data-announcer]"));
let timer = null;
let dirty = false;
let connectedBefore = false;

function busy() {
  const active = document.activeElement;
  return active && active.closest(".wall, .console-bar, [data-rounds]") && /^(TEXTAREA|INPUT|SELECT)$/.test(active.tagName);
}

async function refresh() {
  timer = null;
  if (busy()) { dirty = true; return; }
  dirty = false;
  const response = await fetch(location.pathname, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
  if (!response.ok) return;
  const html = new DOMParser().parseFromString(await response.text(), "text/html");
  const openDetails = [...document.querySelectorAll(".wall details[open]")].map((d) => d.closest("li") && d.closest("li").id + " " + d.className);
  for (const selector of [".wall [data-field-section]", ".console-bar", "[data-rounds]"]) {
    const fresh = html.querySelectorAll(selector);
    const current = document.querySelectorAll(selector);
    if (fresh.length === current.length) current.forEach((el, i) => el.replaceWith(fresh[i]));
  }
  openDetails.forEach((sig) => {
    const [id, cls] = sig.split(" ");
    const li = document.getElementById(id);
    const details = li && li.querySelector("details." + cls);
    if (details) details.open = true;
  });
}

function schedule() {
  if (timer === null) timer = setTimeout(refresh, 300);
}

document.addEventListener("focusout", () => { if (dirty) schedule(); });

connect({
  code: document.body.dataset.code,
  handlers: {
    // The page is fresh on the first connect; after a reconnect it may be stale.
    snapshot: () => { if (connectedBefore) schedule(); connectedBefore = true; },
    tally: () => schedule(),
    event: (event) => {
      schedule();
      if (event.name === "item.added") announce(t.new_item + " " + event.data.text);
    },
    status: (value, unsent) => showStatus(statusEl, value, unsent, t),
  },
});
