// The session state every page shows: the phase, the moderator's one-line announcement
// and the countdown (forum data of docs/protocol.md: phase, announcement, timer).
//
// The countdown runs from `timer.left` (seconds left when the server sent the data; a
// replayed event is counted again) on this device's monotonic clock, so a phone whose
// clock is wrong still shows the right time.

let deadline = null; // performance.now() value at which the timer ends
let ticker = null;

function format(seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m + ":" + String(s).padStart(2, "0");
}

function tick(t) {
  const el = document.querySelector("[data-timer]");
  if (!el || deadline === null) return;
  const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
  el.hidden = false;
  el.classList.toggle("time-up", left === 0);
  el.textContent = left === 0 ? (t.time_up || "0:00") : (t.timer ? t.timer + ": " : "") + format(left);
  el.dataset.left = String(left);
  if (left === 0) { clearInterval(ticker); ticker = null; }
}

export function startCountdown(timer, t) {
  clearInterval(ticker);
  ticker = null;
  const el = document.querySelector("[data-timer]");
  if (!timer) {
    deadline = null;
    if (el) { el.hidden = true; el.textContent = ""; delete el.dataset.left; }
    return;
  }
  deadline = performance.now() + timer.left * 1000;
  tick(t);
  ticker = setInterval(() => tick(t), 250);
}

// Bring the page in line with the forum's data (from a snapshot or `forum.updated`).
export function showSession(forum, t) {
  if (!forum) return;
  document.querySelectorAll("[data-phase]").forEach((el) => { el.dataset.phase = forum.phase; });
  const hint = document.querySelector("[data-phase-hint]");
  const hints = hint && hint.dataset.phaseHint === "label" ? t.phase_labels : t.phases;
  if (hint && hints) hint.textContent = hints[forum.phase] || "";
  // the projector black ("Leinwand schwarz") and the console's button saying so
  const cover = document.querySelector("[data-blank-cover]");
  if (cover) cover.hidden = !forum.screen_blank;
  document.querySelectorAll("[data-blank-button]").forEach((b) => {
    b.setAttribute("aria-pressed", forum.screen_blank ? "true" : "false");
    b.value = forum.screen_blank ? "0" : "1";
  });
  const note = document.querySelector("[data-announcement]");
  if (note) { note.textContent = forum.announcement || ""; note.hidden = !forum.announcement; }
  document.querySelectorAll("[data-phase-button]").forEach((b) => {
    b.setAttribute("aria-pressed", b.dataset.phaseButton === forum.phase ? "true" : "false");
  });
  startCountdown(forum.timer, t);
}
