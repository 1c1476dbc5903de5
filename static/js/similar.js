// While a person types a proposal: up to three similar items already on the wall
// ("this is already there"), with "support this instead" when an open support round
// holds one. The list comes from GET /f/<CODE>/similar (shown items only); the support
// is an ordinary `vote` over the socket.

const WAIT_MS = 400;

export function wireSimilar(form, code, live, t, announce, voted = () => {}) {
  const box = form.querySelector("[data-similar]");
  const textarea = form.querySelector("textarea[name=text]");
  if (!box || !textarea) return;
  let timer = null;
  let asked = 0;

  async function ask() {
    timer = null;
    const text = textarea.value.trim();
    const n = ++asked;
    if (text.length < 6) { show([]); return; }
    const kind = (form.querySelector("input[name=kind]:checked") || {}).value || "";
    const url = "/f/" + encodeURIComponent(code) + "/similar?" + new URLSearchParams({ text, kind });
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok || n !== asked) return;
      show((await response.json()).items || []);
    } catch (e) { /* offline: no suggestions */ }
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
  form.addEventListener("submit", () => { show([]); });
}
