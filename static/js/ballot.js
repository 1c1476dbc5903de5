// Ballots on the phone, live: votes go over the socket (kept in the outbox while
// offline), the person's own choices and points follow the ack, tallies follow the
// coalesced `tally` frames. The server-rendered forms work without this.

import { tallyText } from "./tally.js";

// What became of the person's vote on one option, under its buttons (_ballot.html):
// "✓ counted" once the server has it, "Sending …" until then, or why it was refused.
export function voteState(li, text, state) {
  const el = li && li.querySelector("[data-vote-state]");
  if (!el) return;
  el.textContent = text;
  el.className = "vote-state" + (text && state ? " " + state : "");
  if (state === "is-refused") el.setAttribute("role", "alert");
  else el.removeAttribute("role");
}

// Reflect the person's ballot (ack result: {votes: {option: value}, points_left}).
// `t` (optional): the page's sentences, for "✓ counted".
export function applyBallot(section, result, t) {
  const counted = "✓ " + ((t && t.counted) || "");
  const method = section.dataset.method;
  const perItem = Number(section.dataset.perItem || 0);
  const left = result.points_left;
  const counter = section.querySelector("[data-points-left]");
  if (counter && left !== undefined) counter.textContent = String(left);
  section.querySelectorAll("li[data-option]").forEach((li) => {
    const raw = result.votes ? result.votes[li.dataset.option] : undefined;
    const mine = raw === undefined || raw === null ? null : Number(raw);
    li.dataset.mine = mine === null ? "" : String(mine);
    if (result.votes) voteState(li, mine === null ? "" : counted, "is-counted");
    const form = li.querySelector("form");
    if (!form) return;
    if (method === "support") {
      const button = form.querySelector("button[name=value]");
      button.value = mine ? "" : "1";
      button.setAttribute("aria-pressed", mine ? "true" : "false");
      button.textContent = mine ? "✓ " + (button.dataset.on || "") : (button.dataset.off || "");
    } else if (method === "dots") {
      const [minus, plus] = form.querySelectorAll("button[name=value]");
      const m = mine || 0;
      minus.value = m > 1 ? String(m - 1) : "";
      minus.disabled = m === 0;
      plus.value = String(m + 1);
      // points_left comes with every ack; the counter keeps it for a partial result
      const spent = left === undefined ? counter && counter.textContent === "0" : left === 0;
      plus.disabled = m >= perItem || spent;
      const output = form.querySelector("output");
      if (output) output.textContent = String(m);
      // why "+" is off, in words (_ballot.html): the limit per item, or no points left
      const reason = form.querySelector("[data-vote-reason]");
      if (reason) {
        const why = m >= perItem ? "reasonPerItem" : spent ? "reasonBudget" : "";
        reason.textContent = why ? section.dataset[why] || "" : "";
      }
    } else if (method === "consent") {
      const select = form.querySelector("select[name=value]");
      if (select && document.activeElement !== select) select.value = mine === null ? "" : String(mine);
    } else {
      // adoption, and any ballot of one button per value (workshops/methods/<name>.html):
      // the person's choice is the pressed one
      form.querySelectorAll("button[name=value]").forEach((b) => {
        b.setAttribute("aria-pressed", mine !== null && Number(b.value) === mine ? "true" : "false");
      });
    }
  });
}

// Whether an event changes what a round on the page shows: a round event, or an item
// event of an item that is an option of one (its text edited, hidden, merged, restored,
// or gone from the plenary). The page then takes the rounds as the server renders them
// for this audience (workshops/visibility.py).
export function touchesRounds(root, event) {
  if (event.name.startsWith("round.")) return true;
  if (!root || !event.name.startsWith("item.") || !event.data) return false;
  return root.querySelector(`li[data-option="${Number(event.data.id)}"]`) !== null;
}

// A tally frame: the totals it carries (none while a secret round runs: then only the
// turnout, docs/protocol.md) and the number who have voted.
export function applyTally(root, t, frame) {
  root.querySelectorAll(`[data-round="${frame.round}"]`).forEach((section) => {
    const method = section.dataset.method;
    const turnout = section.querySelector("[data-turnout]");
    if (turnout && typeof frame.voters === "number" && t.turnout) {
      turnout.textContent = t.turnout.replace("%(n)s", String(frame.voters));
    }
    section.querySelectorAll("li[data-option]").forEach((li) => {
      const el = li.querySelector("[data-tally]");
      const tally = (frame.totals || {})[li.dataset.option];
      if (el && tally) el.textContent = tallyText(t, method, tally);
    });
  });
}

// Submit ballot forms over the socket. `send(frame, onAck)` is the connection's send.
// `onDone(section)` (optional) runs after every answer (the phone's status line).
export function wireBallots(root, send, onError, announce, t, onDone) {
  root.addEventListener("submit", (ev) => {
    const form = ev.target.closest("[data-vote-form]");
    if (!form) return;
    ev.preventDefault();
    const data = new FormData(form, ev.submitter || undefined);
    const raw = ev.submitter && ev.submitter.name === "value" ? ev.submitter.value : data.get("value");
    const section = form.closest("[data-round]");
    const frame = {
      type: "vote",
      round: Number(data.get("round")),
      item: Number(data.get("item")),
      value: raw === "" || raw === null ? null : Number(raw),
    };
    const li = form.closest("li[data-option]");
    // not "counted" before the server says so (the vote may wait in the outbox)
    voteState(li, t.sending || "…", "is-pending");
    send(frame, (ack) => {
      if (ack.ok) {
        onError(section, "");
        applyBallot(section, ack.result || {}, t);
        if (!(ack.result && ack.result.votes)) voteState(li, frame.value === null ? "" : "✓ " + (t.counted || ""), "is-counted");
        announce(t.saved_vote || "");
      } else {
        // the reason, where the person tapped; the choice shown stays the one counted
        voteState(li, (ack.error && ack.error.message) || "", "is-refused");
      }
      if (onDone) onDone(section);
    });
  });
}
