// A tally as the room reads it: its sentence and its bar on the projector. The sentences
// and the figure each method's bar shows come from the page (`tally`, `tally_bars` of
// #live-i18n, workshops/views.py live_texts), written by each voting method of
// workshops/methods.py, which writes the same sentence on the server.

// Fractions with the page language's decimal separator, as the server writes them.
const DECIMAL = (() => {
  try { return JSON.parse(document.getElementById("live-i18n").textContent).decimal || "."; } catch (e) { return "."; }
})();

function format(template, values) {
  const shown = (v) => (typeof v === "number" && !Number.isInteger(v) ? String(v).replace(".", DECIMAL) : v);
  return template
    .replace(/%\((\w+)\)s/g, (_, key) => (values[key] === null || values[key] === undefined ? "–" : shown(values[key])))
    .replace(/%%/g, "%");
}

// Yes as a percentage of yes and no (adoption); null when nobody said either.
function share(tally) {
  const cast = (tally.yes || 0) + (tally.no || 0);
  return cast ? (100 * (tally.yes || 0)) / cast : null;
}

// The figures a sentence names: the tally's, with consent's strong objections (none
// when it has no such figure) and adoption's share of yes.
function figures(tally) {
  const values = Object.assign({ vetoes: 0 }, tally);
  if ("yes" in tally) {
    const s = share(tally);
    values.share = s === null ? "–" : Math.round(s);
  }
  return values;
}

// The sentence of a tally (VotingMethod.tally_text): phone votes, then paper votes.
export function tallyText(t, method, tally) {
  if (!tally) return t.tally_hidden || "";
  const template = (t.tally || {})[method] || "";
  let text = format(template, figures(tally));
  if (tally.outlier) text += " · " + (t.tally_outlier || "");
  if (tally.analog) text += " + " + (t.tally_analog || "") + ": " + format(template, figures(tally.analog));
  return text;
}

// Phone and paper votes added up, as the ranking counts them (VotingMethod.combined).
export function combined(tally) {
  const total = Object.assign({}, tally);
  Object.entries(tally.analog || {}).forEach(([k, v]) => { if (k !== "mean") total[k] = (total[k] || 0) + v; });
  return total;
}

// The length a projector's bar stands for (VotingMethod.bar_value): a figure of the
// tally, or the share of yes.
export function barValue(t, method, tally) {
  const key = (t.tally_bars || {})[method];
  const total = combined(tally);
  if (key === "share") return share(total) || 0;
  return total[key] || 0;
}
