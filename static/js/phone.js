// The phone page, live: the wall follows every change, and proposals go over the socket
// (kept in the outbox while offline). Without JavaScript the page is a plain form.
import { announcer, connect } from "./live.js";
import { showStatus, syncWall, texts } from "./wall.js";
import { applyBallot, applyTally, touchesRounds, wireBallots } from "./ballot.js";
import { pauseControl } from "./pause.js";
import { showSession } from "./session.js";
import { showTask } from "./task.js";
import { wireSimilar } from "./similar.js";

const body = document.body;
const t = texts();
const role = body.dataset.role;
const wall = document.querySelector(".wall");
const statusEl = document.querySelector("[data-connection]");
const announce = announcer(document.querySelector("[data-announcer]"));
const form = document.querySelector("[data-propose-form]");
const errorEl = document.querySelector("[data-form-error]");
const closedNotice = document.querySelector("[data-closed-notice]");
const taskEl = document.querySelector("[data-task]");

function showError(message) {
  if (!errorEl) return;
  errorEl.textContent = message || "";
  errorEl.hidden = !message;
}

function refChoices(fieldset, items) {
  if (!fieldset) return;
  const checked = new Set([...fieldset.querySelectorAll("input:checked")].map((i) => Number(i.value)));
  fieldset.querySelectorAll("label.choice").forEach((label) => label.remove());
  items.forEach((item) => {
    const label = document.createElement("label");
    label.className = "choice";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.name = "refs";
    input.value = String(item.id);
    input.checked = checked.has(item.id);
    label.appendChild(input);
    const short = item.text.length > 80 ? item.text.slice(0, 79) + "…" : item.text;
    label.appendChild(document.createTextNode(" #" + item.id + " "));
    const text = document.createElement("bdi");
    text.textContent = short;
    label.appendChild(text);
    fieldset.appendChild(label);
  });
  fieldset.hidden = items.length === 0;
}

// One's own proposals: ids from the page (#own-items) and from the acks of proposals
// sent here. They carry "Your contribution" and, while nothing holds them, the form to
// edit or withdraw them (_own_actions.html, cloned from its <template>).
const ownIds = new Set((() => {
  const el = document.getElementById("own-items");
  try { return el ? JSON.parse(el.textContent) : []; } catch (e) { return []; }
})());
const ownTemplate = document.querySelector("template[data-own-template]");
const ownBadge = document.querySelector("template[data-own-badge]");
const toast = document.querySelector("[data-toast]");
let justAdded = null; // the id of the proposal just sent, highlighted once it is drawn
let drawn = null; // the state being drawn

function changeable(item) {
  const state = drawn;
  if (!state || !ownIds.has(item.id) || item.status !== "visible") return false;
  if (!state.forum.proposals_open) return false;
  if (item.forum !== undefined && item.forum !== state.forum.id) return false;
  const decided = item.adopted !== null && item.adopted !== undefined;
  if (item.shortlisted || decided || item.origin) return false;
  return !inRounds.has(item.id);
}

// Items a round holds (open or closed): from the snapshot, then from round events.
const inRounds = new Set();
function noteRounds(rounds) {
  (rounds || []).forEach((r) => (r.items || []).forEach((id) => inRounds.add(id)));
}

// The form to add a version in another language (_translate_form.html): on one's own
// proposals, and on every item for moderators and interpreters (data-translate-all).
const translateTemplate = document.querySelector("template[data-translate-template]");
const translateAll = Boolean(translateTemplate && translateTemplate.hasAttribute("data-translate-all"));

function translateForm(item) {
  const form = translateTemplate.content.cloneNode(true);
  form.querySelector("input[name=item]").value = String(item.id);
  // not the language the item is written in; German (the first) chosen, else the next
  form.querySelectorAll("input[name=language]").forEach((input) => {
    if (input.value === item.language) input.closest("label").remove();
  });
  const first = form.querySelector("input[name=language]");
  if (first && !form.querySelector("input[name=language]:checked")) first.checked = true;
  const textarea = form.querySelector("textarea[name=translation]");
  textarea.id = "version-text-" + item.id;
  form.querySelector("label[data-for=text]").htmlFor = textarea.id;
  const remove = form.querySelector("[data-remove]");
  if (remove) remove.hidden = !Object.keys(item.versions || {}).length;
  return form;
}

const mark = {
  sig: (item) => (ownIds.has(item.id) ? "own" : "") + (changeable(item) ? ",free" : ""),
  apply: (li, item) => {
    if (ownIds.has(item.id)) {
      li.classList.add("is-own");
      const number = li.querySelector(".item-number");
      if (ownBadge && number) number.after(ownBadge.content.cloneNode(true));
      if (ownTemplate && changeable(item)) {
        const actions = ownTemplate.content.cloneNode(true);
        actions.querySelector("input[name=item]").value = String(item.id);
        const textarea = actions.querySelector("textarea[name=text]");
        textarea.id = "own-text-" + item.id;
        textarea.value = item.text;
        actions.querySelector("label").htmlFor = textarea.id;
        li.appendChild(actions);
      }
    }
    if (translateTemplate && (translateAll || ownIds.has(item.id))) li.appendChild(translateForm(item));
  },
};

let toastTimer = null;
// A visible confirmation for a few seconds (the announcer speaks it), with a link to
// the item when there is one.
function showToast(message, itemId, error) {
  if (!toast) return;
  toast.replaceChildren(document.createTextNode(message));
  toast.classList.toggle("toast-error", Boolean(error));
  if (itemId) {
    const link = document.createElement("a");
    link.href = "#item-" + itemId;
    link.textContent = toast.dataset.show || "";
    toast.appendChild(link);
  }
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 6000);
}

function highlightJustAdded() {
  const li = justAdded && document.getElementById("item-" + justAdded);
  if (!li) return;
  justAdded = null;
  li.classList.add("just-added");
  li.scrollIntoView({ block: "center" });
  setTimeout(() => li.classList.remove("just-added"), 6000);
}

// "Your contribution" on every own item on the wall, whoever drew it: the server's wall
// may be the same for every phone (then it has no marks), the items drawn here carry
// them already (mark.apply). And the list of one's own beside the wall (phone.html).
const ownList = document.querySelector("[data-own-list]");
function markOwn(items) {
  if (!wall) return;
  ownIds.forEach((id) => {
    const li = wall.querySelector(`li[data-item-id="${Number(id)}"]`);
    if (!li || li.querySelector(".badge-own")) return;
    li.classList.add("is-own");
    const number = li.querySelector(".item-number");
    if (ownBadge && number) number.after(ownBadge.content.cloneNode(true));
  });
  if (!ownList) return;
  const shown = items.filter((i) => ownIds.has(i.id) && i.status === "visible").map((i) => i.id);
  const label = ownList.querySelector("span");
  const links = shown.flatMap((id, n) => {
    const a = document.createElement("a");
    a.href = "#item-" + id;
    a.textContent = "#" + id;
    return n ? [", ", a] : [a];
  });
  ownList.replaceChildren(...(label ? [label, " "] : []), ...links);
  ownList.hidden = shown.length === 0;
}

function render(state) {
  drawn = state;
  const added = syncWall(wall, state.items, t, mark);
  markOwn(state.items);
  highlightJustAdded();
  const visible = state.items.filter((i) => i.status === "visible");
  refChoices(document.querySelector('[data-refs-for="goal"]'), visible.filter((i) => i.kind === "need"));
  refChoices(document.querySelector('[data-refs-for="measure"]'), visible.filter((i) => i.kind === "goal"));
  const answers = document.querySelector("[data-answers]");
  if (answers) answers.hidden = !visible.some((i) => i.kind === "need" || i.kind === "goal");
  const open = state.forum.proposals_open;
  if (closedNotice) closedNotice.hidden = open;
  if (form) form.hidden = !open && role !== "moderator";
  body.dataset.rev = state.rev;
  return added;
}

function answered(ack, entry) {
  if (ack.ok) {
    showError("");
    announce(t.thanks);
    const id = ack.result && ack.result.id;
    showToast(t.thanks, id);
    if (id) {
      ownIds.add(id);
      justAdded = id;
      if (live.state) render(live.state); // marks it as one's own, if it is already drawn
    }
    return;
  }
  showError(ack.error && ack.error.message);
  // Give the text back unless the person is already writing the next one.
  const textarea = form && form.querySelector("textarea[name=text]");
  if (textarea && !textarea.value && entry && entry.type === "propose") textarea.value = entry.text;
}

const roundsEl = document.querySelector("[data-rounds]");
let refreshTimer = null;

// A round opened or closed: fetch the page once and take its ballots (one rendering
// path for every method), unless the person is choosing a value right now.
function refreshRounds() {
  if (refreshTimer !== null) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    const active = document.activeElement;
    if (active && roundsEl.contains(active) && active.tagName === "SELECT") { refreshRounds(); return; }
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = html.querySelector("[data-rounds]");
    if (fresh) roundsEl.replaceChildren(...fresh.childNodes);
    showTask(taskEl, roundsEl, live.state && live.state.forum, t);
  }, 300 + Math.random() * 700); // spread the fetches of a full room over a second
}

function roundError(section, message) {
  if (!section) return;
  let el = section.querySelector("[data-round-error]");
  if (!el) {
    el = document.createElement("p");
    el.className = "error";
    el.setAttribute("role", "alert");
    el.dataset.roundError = "";
    section.insertBefore(el, section.querySelector("ol"));
  }
  el.textContent = message || "";
  el.hidden = !message;
}

let roundsMissed = false;
const paused = pauseControl(document.querySelector("[data-pause-live]"), () => {
  if (live.state) { showSession(live.state.forum, t); showTask(taskEl, roundsEl, live.state.forum, t); render(live.state); }
  if (roundsMissed) { roundsMissed = false; refreshRounds(); }
});

// An item hidden or merged: its text leaves the screen reader's region too, where its
// arrival may have been announced (workshops/visibility.py: shown items only). Called
// before the wall drops it, while its text is still on the page.
const announcerEl = document.querySelector("[data-announcer]");
function forgetUnshown(event) {
  if (!announcerEl || !event.name.startsWith("item.") || !event.data) return;
  if (event.data.status === "visible") return;
  const gone = document.querySelector(`li[data-item-id="${Number(event.data.id)}"] .item-text`);
  const text = gone ? gone.textContent : "";
  if (!text) return;
  const clear = () => { if (announcerEl.textContent.includes(text)) announcerEl.textContent = ""; };
  clear();
  setTimeout(clear, 3000); // an announcement still queued (live.js, announcer) comes later
}

const live = connect({
  code: body.dataset.code,
  handlers: {
    snapshot: (state) => {
      noteRounds(state.rounds);
      body.dataset.phaseSpoken = state.forum.phase;
      showSession(state.forum, t);
      showTask(taskEl, roundsEl, state.forum, t);
      render(state);
    },
    tally: (frame) => { if (!paused()) applyTally(roundsEl, t, frame); },
    event: (event, state) => {
      if (event.name.startsWith("round.")) noteRounds([event.data]);
      if (paused()) { if (touchesRounds(roundsEl, event)) roundsMissed = true; return; }
      if (touchesRounds(roundsEl, event)) refreshRounds();
      if (event.name === "forum.updated") {
        // a new phase is announced through the page's one polite, batched live region
        if (state.forum.phase !== body.dataset.phaseSpoken && t.phases) announce(t.phases[state.forum.phase] || "");
        body.dataset.phaseSpoken = state.forum.phase;
        showSession(state.forum, t);
        showTask(taskEl, roundsEl, state.forum, t);
      }
      forgetUnshown(event);
      const added = render(state);
      added.forEach((id) => {
        const item = state.items.find((i) => i.id === id);
        if (item) announce(t.new_item + " " + item.text);
      });
    },
    ack: (ack, entry) => {
      if (!entry || entry.type === "propose") answered(ack, entry);
      else if (entry.type === "own") ownAnswered(ack, entry);
    },
    status: (value, unsent) => showStatus(statusEl, value, unsent, t),
  },
});

if (roundsEl) {
  wireBallots(roundsEl, live.send, roundError, announce, t,
    () => showTask(taskEl, roundsEl, live.state && live.state.forum, t));
}
if (form) {
  // a support given from the suggestions shows on the ballot at once
  wireSimilar(form, body.dataset.code, live, t, announce, (round, result) => {
    const section = roundsEl && roundsEl.querySelector(`section.round[data-round="${round}"]`);
    if (section && result) { applyBallot(section, result, t); showTask(taskEl, roundsEl, live.state && live.state.forum, t); }
  });
}

if (form) {
  form.addEventListener("submit", (ev) => {
    const data = new FormData(form);
    const field = data.get("field");
    const kind = data.get("kind");
    // Incomplete forms take the plain POST: the server explains what is missing.
    if (!field || !kind || !/^\d+$/.test(field)) return;
    ev.preventDefault();
    showError("");
    // Only what fits the kind counts (the rest is not shown: mitwirken.css).
    const refs = [...form.querySelectorAll(`[data-refs-for="${kind}"] input[name=refs]:checked`)];
    const entry = {
      type: "propose",
      field: Number(field),
      kind: kind,
      text: String(data.get("text") || ""),
      refs: refs.map((i) => Number(i.value)),
    };
    // A measure's planning details (lead, resources ...) are not asked on the phone:
    // staff fill them in later (docs/accessibility-privacy.md, "Plain words").
    // The city's sub-goal it works towards, if chosen (_propose_sub_goal.html).
    const subGoal = String(data.get("sub_goal") || "");
    if ((kind === "goal" || kind === "measure") && /^\d+$/.test(subGoal)) entry.sub_goal = Number(subGoal);
    const textarea = form.querySelector("textarea[name=text]");
    live.send(entry, (ack, stored) => answered(ack, stored || entry));
    if (textarea) textarea.value = "";
    form.querySelectorAll("input[name=refs]:checked").forEach((i) => { i.checked = false; });
    const subGoalSelect = form.querySelector("select[name=sub_goal]");
    if (subGoalSelect) subGoalSelect.value = "";
    if (live.pendingCount() > 0 && statusEl && statusEl.classList.contains("offline")) announce(t.queued);
  });
}

// Editing or withdrawing one's own proposal goes over the socket too; a refusal shows in
// the item's form and changes nothing.
function ownError(item, message) {
  const li = document.getElementById("item-" + item);
  const form = li && li.querySelector("[data-own-form]");
  if (!form) { if (message) showToast(message, null, true); return; }
  let el = form.querySelector("[data-own-error]");
  if (!el) {
    el = document.createElement("p");
    el.className = "error";
    el.setAttribute("role", "alert");
    el.dataset.ownError = "";
    form.prepend(el);
  }
  el.textContent = message || "";
  el.hidden = !message;
}

function ownAnswered(ack, entry) {
  if (!ack.ok) { ownError(entry.item, ack.error && ack.error.message); return; }
  ownError(entry.item, "");
  const li = document.getElementById("item-" + entry.item);
  const details = li && li.querySelector("details[data-own-actions]");
  if (details) details.open = false;
  if (entry.action === "withdraw") ownIds.delete(entry.item);
  const texts = toast ? toast.dataset : {};
  const message = entry.action === "withdraw" ? texts.withdrawn : texts.changed;
  announce(message || "");
  showToast(message || "", entry.action === "edit" ? entry.item : null);
  if (live.state) render(live.state);
}

if (wall) {
  wall.addEventListener("submit", (ev) => {
    const ownForm = ev.target.closest("[data-own-form]");
    if (!ownForm || !ev.submitter) return;
    ev.preventDefault();
    const data = new FormData(ownForm);
    const entry = { type: "own", action: ev.submitter.value, item: Number(data.get("item")) };
    if (entry.action === "edit") entry.text = String(data.get("text") || "");
    live.send(entry, (ack, stored) => ownAnswered(ack, stored || entry));
  });
}

// Leichte Sprache (German pages): the switch is a plain POST (_easy_switch.html); here it
// is sent in the background and the propose form's words ([data-wording]) are swapped in
// place from the page as the server now renders it, so a text being typed stays.
const easyForm = document.querySelector("[data-easy-switch]");
if (easyForm) {
  easyForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = easyForm.querySelector("[data-easy-button]");
    const value = easyForm.querySelector("[data-easy-value]");
    try {
      const sent = await fetch(easyForm.action, { method: "POST", body: new FormData(easyForm), credentials: "same-origin", redirect: "manual" });
      if (sent.type !== "opaqueredirect" && !sent.ok) throw new Error(String(sent.status));
      const page = await fetch(location.pathname, { credentials: "same-origin" });
      if (!page.ok) throw new Error(String(page.status));
      const fresh = new DOMParser().parseFromString(await page.text(), "text/html");
      document.querySelectorAll("[data-wording]").forEach((el) => {
        const other = fresh.querySelector(`[data-wording="${el.dataset.wording}"]`);
        if (!other) return;
        el.replaceChildren(...[...other.childNodes].map((n) => document.importNode(n, true)));
        el.hidden = other.hidden;
      });
      const on = value.value === "1";
      value.value = on ? "0" : "1";
      button.setAttribute("aria-pressed", on ? "true" : "false");
    } catch (_err) {
      easyForm.submit();  // the plain POST still works
    }
  });
}
