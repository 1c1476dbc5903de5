// The projector: the wall and the number of people online, live. No interaction, and no
// control for the audience (pausing live updates is the phone's, static/js/pause.js).
import { connect } from "./live.js";
import { showStatus, syncWall, texts } from "./wall.js";
import { applyTally, touchesRounds } from "./ballot.js";
import { barValue } from "./tally.js";
import { showSession } from "./session.js";
import { fitter } from "./screenfit.js";

const t = texts();
const wall = document.querySelector(".screen-wall");
const online = document.querySelector("[data-online]");
const statusEl = document.querySelector("[data-connection]");
const key = new URLSearchParams(location.search).get("key") || "";
const fit = fitter(wall, t);
window.addEventListener("resize", fit);
fit();

const roundsEl = document.querySelector("[data-rounds]");

function bars(frame) {
  const section = roundsEl.querySelector(`[data-round="${frame.round}"]`);
  if (!section) return;
  const method = section.dataset.method;
  const values = Object.fromEntries(Object.entries(frame.totals || {}).map(([k, tally]) => [k, barValue(t, method, tally)]));
  const top = Math.max(1, ...Object.values(values));
  section.querySelectorAll("li[data-option]").forEach((li) => {
    const bar = li.querySelector("[data-bar]");
    if (bar && li.dataset.option in values) bar.style.width = Math.round((100 * values[li.dataset.option]) / top) + "%";
  });
}

async function refreshRounds() {
  const response = await fetch(location.pathname + location.search);
  if (!response.ok) return;
  const html = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = html.querySelector("[data-rounds]");
  if (fresh) roundsEl.replaceChildren(...fresh.childNodes);
  fit();
}

const live = connect({
  code: document.body.dataset.code,
  key,
  handlers: {
    snapshot: (state) => { showSession(state.forum, t); syncWall(wall, state.items, t); fit(); },
    event: (event, state) => {
      if (touchesRounds(roundsEl, event)) refreshRounds();
      if (event.name === "forum.updated") showSession(state.forum, t);
      syncWall(wall, state.items, t);
      fit();
    },
    tally: (frame) => { applyTally(roundsEl, t, frame); bars(frame); },
    presence: (n) => { if (online) online.textContent = (t.online || "%(n)s").replace("%(n)s", n); },
    status: (value, unsent) => showStatus(statusEl, value, unsent, t),
  },
});
