// The status page's filters, applied at once (templates/workshops/measures_status.html).
// Without JavaScript the form is a GET the server filters; here the measures the page
// holds are shown or hidden as the filters change, the address follows
// (history.replaceState, so a filtered view can still be bookmarked) and the count is
// announced in the page's status region. The text search matches as the server does
// (workshops/monitoring.py, search_text and search_words): every word, in lower case,
// in the measure's data-search. A filter wider than the one the page was loaded with
// needs measures the page does not hold: then the page asks the server for that address.

const form = document.querySelector("form[data-status-filters]");
const count = document.getElementById("measures-count");

function words(query) {
  return query.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10).map((w) => w.slice(0, 100));
}

function current() {
  const data = new FormData(form);
  return {
    field: data.get("field") || "",
    status: data.get("status") || "",
    lead: data.get("lead") || "",
    q: (data.get("q") || "").trim(),
  };
}

// Whether the page holds every measure that `wanted` shows: each filter the page was
// loaded with is kept (or narrowed, for the search).
function within(loaded, wanted) {
  for (const key of ["field", "status", "lead"]) {
    if (loaded[key] && loaded[key] !== wanted[key]) return false;
  }
  return words(loaded.q).every((w) => wanted.q.toLowerCase().includes(w));
}

function query(wanted) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(wanted)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function apply(wanted) {
  const asked = words(wanted.q);
  let shown = 0;
  for (const article of document.querySelectorAll("article[data-measure]")) {
    const d = article.dataset;
    const match =
      (!wanted.field || d.field === wanted.field) &&
      (!wanted.status || d.status === wanted.status) &&
      (!wanted.lead || d.lead === wanted.lead) &&
      asked.every((w) => d.search.includes(w));
    article.hidden = !match;
    if (match) shown += 1;
  }
  for (const section of document.querySelectorAll("section[data-field-section]")) {
    section.hidden = !section.querySelector("article[data-measure]:not([hidden])");
  }
  count.dataset.count = String(shown);
  const empty = document.querySelector("[data-status-empty]");
  if (empty) empty.hidden = shown > 0;
  const filtered = Object.values(wanted).some(Boolean);
  const showAll = form.querySelector("[data-show-all]");
  if (showAll) showAll.hidden = !filtered;
  return filtered ? count.dataset.countFiltered.replace("{shown}", String(shown)) : count.dataset.countAll;
}

if (form && count) {
  const loaded = current();
  let announce = null;
  let reload = null;

  const update = (typing) => {
    const wanted = current();
    clearTimeout(reload);
    if (!within(loaded, wanted)) {
      // measures the page does not hold: ask the server (after a pause when typing)
      reload = setTimeout(() => location.assign(`${location.pathname}${query(wanted)}`), typing ? 600 : 0);
      return;
    }
    const sentence = apply(wanted);
    history.replaceState(history.state, "", `${location.pathname}${query(wanted)}`);
    // a word typed letter by letter is announced once, when the typing pauses
    clearTimeout(announce);
    announce = setTimeout(
      () => {
        count.textContent = sentence;
      },
      typing ? 500 : 0,
    );
  };

  form.addEventListener("change", (event) => update(event.target.name === "q"));
  form.addEventListener("input", (event) => {
    if (event.target.name === "q") update(true);
  });
  form.addEventListener("submit", (event) => {
    if (within(loaded, current())) {
      event.preventDefault();
      update(false);
    }
  });
}
