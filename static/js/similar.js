// While a person types a proposal: up to three similar items already on the wall
// ("this is already there"), with "support this instead" when an open support round
// holds one. The list comes from GET /f/<CODE>/similar (shown items only); the support
// is an ordinary `vote` over the socket.
//
// The server counts look-ups per session (SIMILAR_LOOKUPS_PER_MINUTE, docs/operations.md),
// so the page asks sparingly: once the person pauses for WAIT_MS, never twice for the same
// text and kind, one question at a time (a newer one cancels the older), and after a 429
// not again before its Retry-After.

export const WAIT_MS = 700;
const MIN_CHARS = 6;

export function wireSimilar(form, code, live, t, announce, voted = () => {}) {
  const box = form.querySelector("[data-similar]");
  const textarea = form.querySelector("textarea[name=text]");
  if (!box || !textarea) return;
  let timer = null;
  let asked = 0;
  let last = null; // the text and kind of the last answered question
  let pending = null; // the AbortController of the question under way
  let quietUntil = 0; // after a 429: no question before this time (ms)

  async function ask() {
    timer = null;
    const text = textarea.value.trim().replace(/\s+/g, " ");
    const n = ++asked;
    if (text.length < MIN_CHARS) { last = null; show([]); return; }
    const kind = (form.querySelector("input[name=kind]:checked") || {}).value || "";
    const question = kind + "\n" + text;
    if (question === last) return;
    const wait = quietUntil - Date.now();
    if (wait > 0) { timer = setTimeout(ask, wait); return; }
    if (pending) pending.abort();
    pending = new AbortController();
    const query = new URLSearchParams({ text, kind });
    const url = "/f/" + encodeURIComponent(code) + "/similar?" + query;
    try {
      const response = await fetch(url, { credentials: "same-origin", signal: pending.signal });
      if (response.status === 429) {
        const seconds = parseInt(response.headers.get("Retry-After") || "60", 10);
        quietUntil = Date.now() + 1000 * (Number.isFinite(seconds) ? seconds : 60);
        if (n === asked && timer === null) timer = setTimeout(ask, quietUntil - Date.now());
        return;
      }
      if (!response.ok || n !== asked) return;
      const items = (await response.json()).items || [];
      if (n !== asked) return;
      last = question;
      show(items);
    } catch (e) { /* cancelled or offline: no suggestions */ }
  }

  function show(items) {
    box.replaceChildren();
    box.hidden = items.length === 0;
    if (!items.length) return;
    const title = document.createElement("p");
    title.className = "hint";
    title.textContent = t.already_there || "";
    box.appendChild(title);
    const list = document.createElement("ul");
    items.forEach((item) => {
      const li = document.createElement("li");
      li.dataset.similarItem = item.id;
      const text = document.createElement("span");
      text.className = "item-text";
      text.textContent = "#" + item.id + " ";
      const words = document.createElement("bdi"); // the person's text, its own direction
      words.textContent = item.text;
      text.appendChild(words);
      li.appendChild(text);
      if (item.support_round) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = t.support_instead || "";
        button.addEventListener("click", () => {
          button.disabled = true;
          live.send({ type: "vote", round: item.support_round, item: item.id, value: 1 }, (ack) => {
            if (ack.ok) {
              voted(item.support_round, ack.result);
              textarea.value = "";
              show([]);
              announce(t.supported_instead || "");
              const note = document.createElement("p");
              note.className = "hint";
              note.setAttribute("role", "status");
              note.textContent = t.supported_instead || "";
              box.replaceChildren(note);
              box.hidden = false;
            } else {
              button.disabled = false;
              const error = document.createElement("p");
              error.className = "error";
              error.textContent = ack.error && ack.error.message;
              li.appendChild(error);
            }
          });
        });
        li.appendChild(document.createTextNode(" "));
        li.appendChild(button);
      }
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  const later = () => { clearTimeout(timer); timer = setTimeout(ask, WAIT_MS); };
  textarea.addEventListener("input", later);
  form.addEventListener("change", (ev) => { if (ev.target.name === "kind") later(); });
  form.addEventListener("submit", () => { last = null; show([]); });
}
