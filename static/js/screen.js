// The projector: the wall and the number of people online, live. No interaction.
import { connect } from "./live.js";
import { showStatus, syncWall, texts } from "./wall.js";

const t = texts();
const wall = document.querySelector(".screen-wall");
const online = document.querySelector("[data-online]");
const statusEl = document.querySelector("[data-connection]");
const key = new URLSearchParams(location.search).get("key") || "";

connect({
  code: document.body.dataset.code,
  key,
  handlers: {
    snapshot: (state) => syncWall(wall, state.items, t),
    event: (event, state) => syncWall(wall, state.items, t),
    presence: (n) => { if (online) online.textContent = (t.online || "%(n)s").replace("%(n)s", n); },
    status: (value, unsent) => showStatus(statusEl, value, unsent, t),
  },
});
