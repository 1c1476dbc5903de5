// The projector shows everything without scrolling: first smaller type (down to
// MIN_SCALE), then without the action fields' descriptions, then the action fields in
// pages that turn every PAGE_MS (each page with
// the largest type that fits it), and where one field alone is still too long at
// MIN_SCALE, its longest lists end in "+ N more".

const MIN_SCALE = 0.6;
const PAGE_MS = 12000;
const PAGE_SCALE = 0.8;

export function fitter(wall, t) {
  const pageEl = wall.querySelector("[data-page]");
  let pages = null;
  let page = 0;
  let turner = null;

  const overflowing = () => wall.scrollHeight > wall.clientHeight + 1 || wall.scrollWidth > wall.clientWidth + 1;
  const shown = (el) => el.offsetParent !== null;

  function reset() {
    wall.querySelectorAll("[data-more]").forEach((el) => el.remove());
    wall.querySelectorAll("li[data-clipped]").forEach((li) => { li.hidden = false; delete li.dataset.clipped; });
    wall.querySelectorAll("[data-field-section][data-paged]").forEach((f) => { f.hidden = false; delete f.dataset.paged; });
  }

  function lists() {
    return [...wall.querySelectorAll("ul[data-list], ol.bars")].filter(shown);
  }

  // Hide the last items of the longest list until the wall fits; say how many are left out.
  function clip() {
    let guard = 500;
    while (overflowing() && guard-- > 0) {
      let longest = null;
      let most = 1;
      lists().forEach((list) => {
        const n = list.querySelectorAll(":scope > li:not([hidden]):not([data-more])").length;
        if (n > most) { most = n; longest = list; }
      });
      if (!longest) break;
      const visible = longest.querySelectorAll(":scope > li:not([hidden]):not([data-more])");
      const last = visible[visible.length - 1];
      last.hidden = true;
      last.dataset.clipped = "";
      let more = longest.querySelector(":scope > [data-more]");
      if (!more) {
        more = document.createElement("li");
        more.dataset.more = "";
        more.className = "more";
        longest.appendChild(more);
      }
      const n = longest.querySelectorAll(":scope > li[data-clipped]").length;
      more.textContent = (t.more || "+ %(n)s").replace("%(n)s", n);
    }
  }

  // The largest type (1 down to MIN_SCALE) at which the wall fits; false if none does.
  function shrink() {
    let scale = 1;
    wall.style.fontSize = "";
    while (overflowing() && scale > MIN_SCALE + 0.001) {
      scale -= 0.05;
      wall.style.fontSize = scale.toFixed(2) + "em";
    }
    return !overflowing();
  }

  function showPage(n) {
    reset();
    if (!pages) return;
    page = n % pages.length;
    const fields = [...wall.querySelectorAll("[data-field-section]")];
    fields.forEach((f) => {
      if (!pages[page].includes(f)) { f.hidden = true; f.dataset.paged = ""; }
    });
    if (pageEl) {
      pageEl.hidden = false;
      pageEl.textContent = (t.page || "%(n)s / %(of)s").replace("%(n)s", page + 1).replace("%(of)s", pages.length);
    }
    if (!shrink()) clip();
  }

  function fit() {
    clearInterval(turner);
    turner = null;
    pages = null;
    reset();
    if (pageEl) pageEl.hidden = true;
    wall.classList.remove("no-descriptions");
    if (shrink()) return;
    // The action fields' descriptions go first, before type gets smaller than MIN_SCALE
    // or the wall turns pages.
    wall.classList.add("no-descriptions");
    if (shrink()) return;
    // Pages of whole action fields, as many as fit on each at PAGE_SCALE; each page
    // then gets the largest type at which it fits.
    wall.style.fontSize = PAGE_SCALE + "em";
    const fields = [...wall.querySelectorAll("[data-field-section]")].filter(shown);
    if (fields.length > 1) {
      const built = [];
      let current = [];
      fields.forEach((f) => { f.hidden = true; });
      fields.forEach((f) => {
        f.hidden = false;
        current.push(f);
        if (current.length > 1 && overflowing()) {
          current.pop();
          current.forEach((c) => { c.hidden = true; });
          built.push(current);
          current = [f];
        }
      });
      built.push(current);
      fields.forEach((f) => { f.hidden = false; });
      if (built.length > 1) {
        pages = built;
        showPage(0);
        turner = setInterval(() => showPage(page + 1), PAGE_MS);
        return;
      }
    }
    if (!shrink()) clip();
  }

  let pending = null;
  return () => {
    // batch a burst of events into one layout pass
    if (pending !== null) return;
    pending = setTimeout(() => { pending = null; fit(); }, 50);
  };
}
