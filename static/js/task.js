// The phone's status line: what to do now (templates/workshops/_task.html, the same
// sentences from workshops/phone_task.py in #live-i18n, `tasks`). An open ballot on the
// page decides it (its method's sentence, data-task-text, or the points left); else the
// forum's phase, and whether proposals are open.

// "You have 3 points left." in the page's language: the plural form of each count is
// given by the server (`points.of`, one digit per count).
export function pointsSentence(tasks, n) {
  const points = (tasks && tasks.points) || { forms: [], of: "" };
  const form = points.forms[Number(points.of[n] || 0)] || "";
  return form.replace("%(n)s", String(n));
}

export function showTask(el, roundsEl, forum, t) {
  if (!el || !forum) return;
  const tasks = t.tasks || {};
  const open = roundsEl && roundsEl.querySelector("section.round[data-round]:not(.round-closed)");
  let head;
  let body;
  if (open) {
    head = tasks.voting;
    const left = open.querySelector("[data-points-left]");
    body = left ? pointsSentence(tasks, Number(left.textContent)) : open.dataset.taskText;
  } else {
    const phase = (tasks.phases || {})[forum.phase] || ["", ""];
    head = phase[0];
    body = forum.phase === "collecting" && !forum.proposals_open ? tasks.closed : phase[1];
    if (forum.step === "plenary") body = tasks.plenary; // the forum's result went on
  }
  el.querySelector("[data-task-head]").textContent = head || "";
  el.querySelector("[data-task-body]").textContent = body ? " – " + body : "";
}
