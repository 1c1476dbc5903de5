// A control to pause live updates (WCAG 2.2.2 "Pause, Stop, Hide"): while paused, the
// connection keeps the state current but the page does not change and nothing is
// announced; resuming shows the current state at once. The button is in the page's
// "More" menu, not one stray tap away (hidden without JavaScript, where nothing updates
// by itself).
export function pauseControl(button, onResume) {
  let paused = false;
  if (!button) return () => false;
  button.hidden = false;
  // it sits in the page's "More" menu (phone.html), shown once it holds something
  const menu = button.closest("[data-more-menu]");
  if (menu) menu.hidden = false;
  button.addEventListener("click", () => {
    paused = !paused;
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    document.documentElement.dataset.paused = paused ? "true" : "false";
    if (!paused) onResume();
  });
  return () => paused;
}
