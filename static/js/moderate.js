// The console, live: on every event it reloads its own server-rendered lists (one
// rendering path for the moderation forms), but never a part the moderator is typing in
// or has changed without sending yet.
import { announcer, connect } from "./live.js";
import { showStatus, texts } from "./wall.js";
import { showSession } from "./session.js";

const t = texts();
const statusEl = document.querySelector("[data-connection]");
const announce = announcer(document.querySelector("[data-announcer]"));
let timer = null;
let dirty = false;
let connectedBefore = false;
// The last count of people online, kept across the console's own reloads (every form
// POST reloads the page): the page shows it until the next presence frame, not "–".
const ONLINE_KEY = "mitwirken:online:" + document.body.dataset.code;
let online = remembered();
let live = null;
// The parts of the page the refresh renders anew (moderate.html): the item list, and the
// live controls and the rest around it.
const PARTS = [
  ".wall", ".console-bar", "[data-rounds]", "[data-rounds-setup]", "[data-session]", "[data-newest]",
  "[data-steps]",
];

function remembered() {
  try {
    const value = sessionStorage.getItem(ONLINE_KEY);
    const n = value === null ? NaN : Number(value);
    return Number.isFinite(n) ? n : null;
  } catch (e) { return null; } // storage off: "–" until the first frame
}

// The moderator is typing or choosing in a list: the refresh waits until they leave the
// field. A box or card just ticked does not hold it (its part is kept, see ``keep``):
// what arrives meanwhile can still be offered next to it.
function busy() {
  const active = document.activeElement;
  if (!active || !active.closest(PARTS.join(", "))) return false;
  if (active.type === "checkbox" || active.type === "radio") return false;
  return /^(TEXTAREA|INPUT|SELECT)$/.test(active.tagName);
}

// A field whose value the moderator changed and has not sent yet (a method picked for
// the next round, a budget typed): its value differs from the one the page came with.
function changed(field) {
  if (field.tagName === "SELECT") {
    const options = [...field.options];
    if (field.multiple) return options.some((o) => o.selected !== o.defaultSelected);
    const initial = Math.max(0, options.findIndex((o) => o.defaultSelected));
    return options.length > 0 && field.selectedIndex !== initial;
  }
  if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
  if (field.type === "hidden" || field.type === "submit" || field.type === "button") return false;
  return field.value !== field.defaultValue;
}

// A part of the console the refresh must leave alone for now: the moderator is in one of
// its fields, or has changed one (a refresh landing between picking "dots" and pressing
// "open" would otherwise open the default method).
function keep(section) {
  const active = document.activeElement;
  if (active && section.contains(active) && /^(TEXTAREA|INPUT|SELECT)$/.test(active.tagName)) return true;
  return [...section.querySelectorAll("input, textarea, select")].some(changed);
}

// What a form sent over the socket is now what it shows: the next refresh may replace it.
function settle(form) {
  form.querySelectorAll("input, textarea").forEach((f) => {
    if (f.type === "checkbox" || f.type === "radio") f.defaultChecked = f.checked;
    else f.defaultValue = f.value;
  });
  form.querySelectorAll("option").forEach((o) => { o.defaultSelected = o.selected; });
}

// A part kept for now still offers what arrived meanwhile: a measure proposed while the
// moderator sets up the next round can be chosen for it without losing their choices.
// Lists of options gain the new options; the round form's list to tick gains the new
// items, each in its group (action field and kind), the group too if it is new.
function addOptions(section, fresh) {
  section.querySelectorAll("select[id]").forEach((select) => {
    const other = fresh.querySelector("#" + CSS.escape(select.id));
    if (!other) return;
    const have = new Set([...select.options].map((o) => o.value));
    for (const option of other.options) {
      if (!have.has(option.value)) select.append(option.cloneNode(true));
    }
  });
  section.querySelectorAll("[data-round-items]").forEach((list) => {
    const other = fresh.querySelector("[data-round-items]");
    if (!other) return;
    const have = new Set([...list.querySelectorAll("input[name=items]")].map((i) => i.value));
    other.querySelectorAll("[data-round-group]").forEach((group) => {
      const mine = list.querySelector(`[data-round-group="${CSS.escape(group.dataset.roundGroup)}"]`);
      if (!mine) {
        list.append(document.importNode(group, true));
        list.querySelectorAll("[data-round-items-empty]").forEach((el) => el.remove());
        return;
      }
      const ul = mine.querySelector("ul");
      group.querySelectorAll("li").forEach((li) => {
        const input = li.querySelector("input[name=items]");
        if (input && !have.has(input.value)) ul.append(document.importNode(li, true));
      });
    });
  });
}

async function refresh() {
  timer = null;
  if (busy()) { dirty = true; return; }
  dirty = false;
  const response = await fetch(location.pathname, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
  if (!response.ok) return;
  const html = new DOMParser().parseFromString(await response.text(), "text/html");
  // what the moderator opened or closed stays so (a tally must not fold the round form)
  const detailsById = new Map([...document.querySelectorAll("details[id]")].map((d) => [d.id, d.open]));
  const openDetails = [...document.querySelectorAll(".wall details[open]")].map((d) => d.closest("li") && d.closest("li").id + " " + d.className);
  for (const selector of [".wall [data-field-section]", ...PARTS.slice(1)]) {
    const fresh = html.querySelectorAll(selector);
    const current = document.querySelectorAll(selector);
    if (fresh.length !== current.length) continue;
    current.forEach((el, i) => {
      // checked again now: the moderator may have started while the page was fetched
      if (keep(el)) { dirty = true; addOptions(el, fresh[i]); }
      else el.replaceWith(fresh[i]);
    });
  }
  openDetails.forEach((sig) => {
    const [id, cls] = sig.split(" ");
    const li = document.getElementById(id);
    const details = li && li.querySelector("details." + cls);
    if (details) details.open = true;
  });
  detailsById.forEach((open, id) => {
    const details = document.getElementById(id);
    if (details && details.tagName === "DETAILS") details.open = open;
  });
  showOnline();
  armUndo();
  if (live && live.state) showSession(live.state.forum, t);
}

function showOnline() {
  if (online === null) return;
  // the step bar's count, and the "of" of its turnout while a round runs
  document.querySelectorAll("[data-online], [data-online-count]").forEach((el) => {
    el.textContent = String(online);
  });
  // "18 of 23 have voted" while no more have voted than are online; "25 have voted" else
  const voters = document.querySelector("[data-turnout-of] [data-voters]");
  const of = voters && online >= Number(voters.dataset.voters);
  document.querySelectorAll("[data-turnout-of]").forEach((el) => { el.hidden = !of; });
  document.querySelectorAll("[data-turnout-plain]").forEach((el) => { el.hidden = Boolean(of); });
}

// "Back" works for a while after a step (workshops/steps.py, UNDO_SECONDS): the button
// leaves when the server would refuse it. Without JavaScript the refusal says so.
let undoTimer = null;
function armUndo() {
  clearTimeout(undoTimer);
  const form = document.querySelector("[data-step-undo]");
  if (!form) return;
  const left = Number(form.dataset.undoLeft);
  if (!Number.isFinite(left)) return;
  undoTimer = setTimeout(() => { form.hidden = true; }, Math.max(0, left) * 1000);
}

// The round types' cards say what the phones will show with the limits typed: the
// sentences come from the page (#round-card-texts, workshops/console.py), so they read
// as the server writes them (VotingMethod.card).
const CARD_TEXTS = (() => {
  try { return JSON.parse(document.getElementById("round-card-texts").textContent); } catch (e) { return null; }
})();

function whole(raw, low, high) {
  const text = String(raw || "").trim();
  if (!/^[0-9]+$/.test(text)) return null;
  const n = Number(text);
  return n >= low && n <= high ? n : null;
}

function fill(template, values) {
  return String(template || "").replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? "")).replace(/%%/g, "%");
}

// The limits as the service will take them (workshops/methods.py, Dots.configure): an
// empty or unreadable budget is the suggestion for the ticked items (a third of them, 1
// to 10), or the card's own where none is ticked.
function cardValues(form, method, limits) {
  const values = Object.assign({}, limits);
  if (method === "dots") {
    const ticked = form.querySelectorAll("input[name=items]:checked").length;
    const suggested = ticked ? Math.max(1, Math.min(10, Math.round(ticked / 3))) : limits.budget;
    const budget = whole(form.elements.budget && form.elements.budget.value, 1, 100) ?? suggested;
    const perItem = whole(form.elements.per_item && form.elements.per_item.value, 1, budget) ?? Math.min(budget, 3);
    values.budget = budget;
    values.per_item = perItem;
    values.points = (CARD_TEXTS.points[budget - 1] || "%(n)d").replace("%(n)d", String(budget));
  } else if (method === "consent") {
    values.veto = whole(form.elements.veto && form.elements.veto.value, 1, 10) ?? limits.veto;
  }
  return values;
}

function showCards(form) {
  if (!CARD_TEXTS) return;
  form.querySelectorAll("[data-round-card]").forEach((card) => {
    const method = card.dataset.roundCard;
    const texts = CARD_TEXTS.methods[method];
    if (!texts) return;
    const values = cardValues(form, method, texts.limits || {});
    const title = card.querySelector("[data-card-title]");
    const preview = card.querySelector("[data-card-preview]");
    if (title) title.textContent = fill(texts.title, values);
    if (preview) preview.textContent = fill(texts.preview, values);
  });
}

for (const type of ["input", "change"]) {
  document.addEventListener(type, (ev) => {
    const form = ev.target.closest && ev.target.closest("form[data-open-round]");
    if (form) showCards(form);
  });
}

// Console forms marked data-socket-form (phase, countdown, announcement, suggested
// merges) go over the socket when it is up; the plain POST stays the fallback. Which
// fields each action has, and how each is read, comes from the page
// (#moderator-actions, rendered from workshops/commands.py): the server reads the frame
// with the same declaration it reads the form with.
const ACTIONS = JSON.parse(document.getElementById("moderator-actions").textContent);
const READ = {
  number: (raw) => (raw === null || raw === "" ? null : Number(raw)),
  ids: (raw, all) => all.filter((v) => v !== "").map(Number),
  flag: (raw, all, param) => (raw === null ? param.default : raw === "1"),
  decision: (raw) => (raw === "1" ? true : raw === "0" ? false : null),
  text: (raw) => (raw === null ? "" : String(raw)),
  minutes: (raw) => String(raw || ""), // the server turns the minutes into seconds
};

function frameOf(form, submitter) {
  const data = new FormData(form);
  if (submitter && submitter.name) data.set(submitter.name, submitter.value);
  const action = String(data.get("action"));
  const params = ACTIONS[action];
  if (!params) return null; // the form POST explains
  const frame = { type: "moderate", action };
  for (const param of params) {
    const raw = data.get(param.name);
    const all = data.getAll(param.name).map(String);
    if (raw === null && param.kind !== "flag" && param.kind !== "minutes") continue; // not in this form: the declared default
    const value = READ[param.kind](raw === null ? null : String(raw), all, param);
    if (value === null && param.kind === "number") continue;
    frame[param.name] = value;
  }
  return frame;
}

// A refusal shows next to the form that was sent (the step bar has its own line).
function socketError(message, form) {
  const own = form && form.closest("section") && form.closest("section").querySelector("[data-socket-error]");
  const el = own || document.querySelector("[data-socket-error]");
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
}

document.addEventListener("submit", (ev) => {
  const form = ev.target.closest("form[data-socket-form]");
  if (!form || !live || document.documentElement.dataset.live !== "online") return;
  const frame = frameOf(form, ev.submitter);
  if (!frame) return;
  ev.preventDefault();
  document.querySelectorAll("[data-socket-error]").forEach((el) => { el.hidden = true; el.textContent = ""; });
  // one press of "Next" is one step: the button waits for the answer
  const step = form.closest("[data-steps]") && ev.submitter;
  if (step) step.disabled = true;
  live.send(frame, (ack) => {
    if (step && !ack.ok) step.disabled = false;
    if (!ack.ok) socketError(ack.error && ack.error.message, form);
    else { settle(form); schedule(); }
  });
});

function schedule() {
  if (timer === null) timer = setTimeout(refresh, 300);
}

document.addEventListener("focusout", () => { if (dirty) schedule(); });
showOnline();
armUndo();

live = connect({
  code: document.body.dataset.code,
  handlers: {
    // The page is fresh on the first connect; after a reconnect it may be stale.
    snapshot: (state) => { showSession(state.forum, t); if (connectedBefore) schedule(); connectedBefore = true; },
    tally: () => schedule(),
    presence: (n) => {
      online = n;
      try { sessionStorage.setItem(ONLINE_KEY, String(n)); } catch (e) { /* storage off */ }
      showOnline();
    },
    event: (event, state) => {
      if (event.name === "forum.updated") showSession(state.forum, t);
      schedule();
      if (event.name === "item.added") announce(t.new_item + " " + event.data.text);
    },
    status: (value, unsent) => showStatus(statusEl, value, unsent, t),
  },
});

// One step to every part: a link to the round form also unfolds it (without JavaScript
// the link leads to its summary, one click more).
document.addEventListener("click", (ev) => {
  const link = ev.target.closest("a[data-open-details]");
  if (!link) return;
  const details = document.getElementById(link.dataset.openDetails || link.hash.slice(1));
  if (details && details.tagName === "DETAILS") details.open = true;
});

// Keyboard shortcuts for the frequent actions, listed on the page ("Tastenkürzel") and
// named in aria-keyshortcuts. Single keys, so: never while typing in a field, never with
// a modifier, and the moderator can switch them off (WCAG 2.1.4); the choice is kept.
const SHORTCUTS_KEY = "mitwirken:shortcuts";
let shortcutsOn = (() => {
  try { return localStorage.getItem(SHORTCUTS_KEY) !== "off"; } catch (e) { return true; }
})();

function showShortcutsToggle() {
  const toggle = document.querySelector("[data-shortcuts-toggle]");
  if (!toggle) return;
  toggle.hidden = false;
  toggle.setAttribute("aria-pressed", String(shortcutsOn));
}

document.addEventListener("click", (ev) => {
  if (!ev.target.closest("[data-shortcuts-toggle]")) return;
  shortcutsOn = !shortcutsOn;
  try {
    localStorage.setItem(SHORTCUTS_KEY, shortcutsOn ? "on" : "off");
  } catch (e) { /* storage off: kept for this page only */ }
  showShortcutsToggle();
});

function jump(hash) {
  const target = document.getElementById(hash);
  if (!target) return;
  location.hash = hash;
  if (target.tagName === "DETAILS") target.open = true;
  const focusable = target.matches("[tabindex], details")
    ? target : target.querySelector("summary, h2");
  if (focusable) focusable.focus({ preventScroll: true });
}

const KEYS = {
  v: () => document.querySelector("[data-proposals-form] [data-shortcut=v]")?.click(),
  s: () => document.querySelector("[data-blank-button]")?.click(),
  r: () => document.querySelector("[data-rounds] [data-shortcut=r]")?.click(),
  a: () => document.querySelector("[data-shortcut=a]")?.focus(),
  t: () => document.querySelector("[data-shortcut=t]")?.focus(),
  n: () => {
    jump("open-round-form");
    document.querySelector("#open-round-form summary")?.focus();
  },
  b: () => jump("items"),
  l: () => jump("live"),
};

document.addEventListener("keydown", (ev) => {
  if (!shortcutsOn || ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const target = ev.target;
  if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
  const run = KEYS[ev.key.toLowerCase()];
  if (!run) return;
  ev.preventDefault();
  run();
});
showShortcutsToggle();
