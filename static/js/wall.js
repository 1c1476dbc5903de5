// Keeps the server-rendered wall (templates/workshops/_wall.html, _item.html) equal to
// the live state: one list per action field and kind, items in id order.

export function texts() {
  const el = document.getElementById("live-i18n");
  try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
}

function signature(item) {
  return [item.text, JSON.stringify(item.versions || {}), item.status, item.author, (item.refs || []).join(","), item.merged_into,
    item.shortlisted, item.adopted, item.origin, item.implementation, item.progress].join("\u0001");
}

// The versions shown beneath an item (workshops/languages.py, versions_shown): German
// where the original is in another language, then the reader's language.
export function versionsShown(item, reader) {
  const versions = item.versions || {};
  const wanted = ["de"];
  const base = (reader || "").toLowerCase().split("-")[0];
  if (base && base !== "de") wanted.push(base);
  return wanted.filter((code) => code !== item.language && versions[code]);
}

// `mark` (optional, the phone's): {sig(item) -> string, apply(li, item)} marks one's own
// proposals and adds their edit/withdraw form (static/js/phone.js).
export function renderItem(item, t, mark) {
  const li = document.createElement("li");
  li.className = "item item-" + item.kind + (item.status !== "visible" ? " is-" + item.status : "");
  li.id = "item-" + item.id;
  li.dataset.itemId = item.id;
  li.dataset.kind = item.kind;
  li.dataset.field = item.field;
  li.dataset.status = item.status;
  li.dataset.sig = signature(item);
  const text = document.createElement("p");
  text.className = "item-text";
  text.dir = "auto"; // user text: its own direction, isolated from the page's
  item.text.split("\n").forEach((line, i) => {
    if (i > 0) text.appendChild(document.createElement("br"));
    text.appendChild(document.createTextNode(line));
  });
  li.appendChild(text);
  versionsShown(item, document.documentElement.lang).forEach((code) => {
    // people's versions beneath the original (templates/workshops/_versions.html)
    const version = document.createElement("span");
    version.className = "item-version";
    version.lang = code;
    version.dataset.version = code;
    const name = document.createElement("span");
    name.className = "version-language";
    name.textContent = ((t.language_names || {})[code] || code) + ":";
    const body = document.createElement("bdi");
    body.dir = "auto";
    body.textContent = item.versions[code];
    version.append(name, " ", body);
    li.appendChild(version);
  });
  const meta = document.createElement("p");
  meta.className = "item-meta";
  const number = document.createElement("span");
  number.className = "item-number";
  number.textContent = "#" + item.id;
  meta.appendChild(number);
  if (item.author) {
    const author = document.createElement("bdi");
    author.className = "item-author";
    author.textContent = item.author;
    meta.appendChild(author);
  }
  if (item.refs && item.refs.length) {
    const refs = document.createElement("span");
    refs.className = "item-refs";
    refs.appendChild(document.createTextNode((t.answers || "answers") + " "));
    item.refs.forEach((id, i) => {
      if (i > 0) refs.appendChild(document.createTextNode(", "));
      const a = document.createElement("a");
      a.href = "#item-" + id;
      a.textContent = "#" + id;
      refs.appendChild(a);
    });
    meta.appendChild(refs);
  }
  const decision = item.adopted === true ? "✓ " + (t.adopted || "") : item.adopted === false ? "✗ " + (t.not_adopted || "")
    : item.shortlisted ? (t.for_plenary || "") : "";
  if (decision) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = decision;
    meta.appendChild(badge);
  }
  if (item.origin) {
    // brought in from the previous conference: its status, read-only (_item_body.html)
    const carried = document.createElement("span");
    carried.className = "badge";
    carried.textContent = (t.carried || "%(status)s, %(progress)s %%")
      .replace("%(status)s", (t.implementation || {})[item.implementation] || item.implementation)
      .replace("%(progress)s", item.progress).replace("%%", "%");
    meta.appendChild(carried);
  }
  li.appendChild(meta);
  if (mark) {
    li.dataset.sig += "\u0001" + mark.sig(item);
    mark.apply(li, item);
  }
  return li;
}

// A measure's sub-goal for grouping, as workshops/selectors.py measure_sub_goals: its
// own, or that of the first goal (lowest id) it answers that has one.
function placedSubGoal(item, byId) {
  if (item.sub_goal != null) return item.sub_goal;
  const refs = (item.refs || []).slice().sort((a, b) => a - b);
  for (const id of refs) {
    const goal = byId.get(id);
    if (goal && goal.kind === "goal" && goal.status === "visible" && goal.sub_goal != null) return goal.sub_goal;
  }
  return null;
}

// Does `item` belong in `list`? Lists under a sub-goal (data-sub-goal) or for the rest
// of a field with guiding goals (data-other-than) also look at its sub-goal.
function inList(list, item, byId) {
  if (list.dataset.subGoal !== undefined) return placedSubGoal(item, byId) === Number(list.dataset.subGoal);
  if (list.dataset.otherThan !== undefined) {
    const ids = list.dataset.otherThan.split(",").filter(Boolean).map(Number);
    return !ids.includes(placedSubGoal(item, byId));
  }
  return true;
}

// Bring every list in `root` in line with `items`. Returns the ids that are new.
export function syncWall(root, items, t, mark) {
  const added = [];
  const byId = new Map(items.map((i) => [i.id, i]));
  root.querySelectorAll("ul[data-list]").forEach((list) => {
    const field = Number(list.dataset.field);
    const kind = list.dataset.kind;
    const wanted = items.filter((i) => i.field === field && i.kind === kind && i.status === "visible"
      && inList(list, i, byId));
    const existing = new Map();
    list.querySelectorAll(":scope > li[data-item-id]").forEach((li) => existing.set(Number(li.dataset.itemId), li));
    let previous = null;
    wanted.forEach((item) => {
      let li = existing.get(item.id);
      existing.delete(item.id);
      if (!li) added.push(item.id);
      const sig = signature(item) + (mark ? "\u0001" + mark.sig(item) : "");
      // not while the person is editing it (it is drawn again after their change)
      const editing = li && li.contains(document.activeElement)
        && li.querySelector("details[open]");
      if (!li || (li.dataset.sig !== sig && !editing)) {
        const fresh = renderItem(item, t, mark);
        if (li) li.replaceWith(fresh); else list.insertBefore(fresh, previous ? previous.nextSibling : list.firstChild);
        li = fresh;
      }
      previous = li;
    });
    existing.forEach((li) => li.remove());
    // a kind's count and "nothing yet" cover all its lists (one per sub-goal, maybe)
    const section = list.closest("section");
    const shown = section ? section.querySelectorAll("ul[data-list] > li[data-item-id]").length : 0;
    const count = section && section.querySelector("[data-count]");
    if (count) count.textContent = String(shown);
    const empty = section && section.querySelector("[data-empty]");
    if (empty) empty.hidden = shown > 0;
  });
  return added;
}

// The connection state shown to the person ("offline, will send when back").
export function showStatus(el, value, unsent, t) {
  if (!el) return;
  el.classList.toggle("offline", value === "offline" || value === "reconnecting");
  if (value === "online") el.textContent = unsent ? (t.sending || "") : "";
  else if (value === "refused") el.textContent = t.refused || "";
  else if (value === "connecting") el.textContent = "";
  else el.textContent = unsent ? (t.offline_unsent || "").replace("%(n)s", unsent) : (t.offline || "");
}
