"""The documentation's charts as PNG, drawn here with matplotlib (Agg, no display, no
outside service) in DejaVu Sans, the font the PDF embeds. matplotlib lays text out with
libraqm, so Arabic labels join and run right to left.

A chart is the dict of ``layout`` ("title", "labels", "series", "stacked", "unit").
One figure at a time, closed after use: a figure is not kept by pyplot's registry,
because it is made as a bare ``Figure``.
"""

import io
import textwrap

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

WIDTH_INCHES = 6.5  # the text width of an A4 page with 2 cm margins
DPI = 150
COLOURS = ("#1f5f99", "#c0392b", "#8c8c8c", "#2e8b57")  # also tell apart in greyscale
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "text.parse_math": False,  # a "$" in an item's text is text, not a formula
    "svg.fonttype": "none",
}


def _label(text: str) -> str:
    """At most two lines of 48 characters; longer labels end in an ellipsis. Each line
    runs left to right like the document around it (a left-to-right mark first): a
    label "1. #4 <Arabic text>" keeps its place and number on the left, where the
    Arabic text alone would turn the whole line around (".1 #4" on the right)."""
    lines = textwrap.wrap(text, 48) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][:46] + " …"]
    return "\n".join("\u200e" + line for line in lines)


def png(spec: dict) -> bytes:
    """The chart as a PNG, WIDTH_INCHES wide, as tall as its bars need (a timeline: as
    tall as ``WIDE``)."""
    if spec.get("type") == "timeline":
        return timeline(spec, "png")
    labels = [_label(label) for label in spec["labels"]]
    series = spec["series"]
    rows = sum(max(1, label.count("\n") + 1) for label in labels)
    height = (
        1.1 + 0.22 * rows + (0.1 * len(labels) * (len(series) - 1) if not spec["stacked"] else 0)
    )
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH_INCHES, max(1.6, height)), dpi=DPI, layout="constrained")
        try:
            axes = figure.subplots()
            positions = list(range(len(labels)))
            bar = 0.8 if spec["stacked"] or len(series) == 1 else 0.8 / len(series)
            left = [0] * len(labels)
            for index, (name, values) in enumerate(series):
                if spec["stacked"]:
                    where = positions
                else:
                    where = (
                        [p - 0.4 + bar * (index + 0.5) for p in positions]
                        if len(series) > 1
                        else positions
                    )
                bars = axes.barh(
                    where,
                    values,
                    height=bar,
                    left=left if spec["stacked"] else None,
                    color=COLOURS[index % len(COLOURS)],
                    label=name,
                )
                if not spec["stacked"]:
                    axes.bar_label(bars, padding=2, fontsize=7)
                else:
                    left = [a + b for a, b in zip(left, values, strict=False)]
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()  # the first place on top
            axes.set_xlabel(spec["unit"])
            figure.suptitle(
                "\n".join(textwrap.wrap(spec["title"], 90)),
                x=0.02,
                ha="left",
                fontsize=9,
                fontweight="bold",
            )
            axes.xaxis.get_major_locator().set_params(integer=True)
            axes.spines[["top", "right"]].set_visible(False)
            axes.margins(x=0.08)
            if len(series) > 1:
                figure.legend(
                    loc="outside lower center", ncols=len(series), fontsize=7, frameon=False
                )
            out = io.BytesIO()
            figure.savefig(out, format="png", dpi=DPI)
            return out.getvalue()
        finally:
            figure.clear()


# --- an indicator over time (the status page and the monitoring report) ------------------
# A timeline is a dict: "type": "timeline", "title", "unit", "points" [(ISO date, value)]
# (the measured values, oldest first), "baseline" and "target" ({"date": ISO or None,
# "value"}), "names" (the legend's words for values, baseline, target) and "alt".

SMALL = (3.6, 1.7)  # inches: beside a measure on the status page
WIDE = (WIDTH_INCHES, 2.3)  # the text width of the report


def _timeline_figure(spec: dict, size: tuple[float, float]) -> Figure:
    import datetime

    from matplotlib import dates as mdates

    def day(iso: str) -> datetime.date:
        return datetime.date.fromisoformat(iso)

    names = spec["names"]
    baseline, target = spec["baseline"], spec["target"]
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    axes = figure.subplots()
    xs = [day(d) for d, _v in spec["points"]]
    ys = [v for _d, v in spec["points"]]
    if baseline["date"]:  # the line starts where the measure started from
        xs, ys = [day(baseline["date"]), *xs], [baseline["value"], *ys]
    known = xs + ([day(target["date"])] if target["date"] else [])
    if not known:
        known = [datetime.date.today()]
    axes.axhline(target["value"], color=COLOURS[3], linestyle="--", linewidth=1, label=names[2])
    axes.axhline(baseline["value"], color=COLOURS[2], linestyle=":", linewidth=1, label=names[1])
    if target["date"]:
        axes.plot(
            [day(target["date"])],
            [target["value"]],
            marker="*",
            markersize=9,
            color=COLOURS[3],
            linestyle="none",
        )
    if xs:
        axes.plot(
            xs, ys, marker="o", markersize=3.5, linewidth=1.6, color=COLOURS[0], label=names[0]
        )
    low, high = min(known), max(known)
    pad = max(datetime.timedelta(days=15), (high - low) * 0.06)
    axes.set_xlim(low - pad, high + pad)
    locator = mdates.AutoDateLocator(minticks=2, maxticks=5)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.set_ylabel(spec["unit"])
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(
        "\n".join(textwrap.wrap(spec["title"], 60 if size == SMALL else 90)),
        loc="left",
        fontsize=8,
        fontweight="bold",
    )
    axes.legend(loc="best", fontsize=6, frameon=False)
    return figure


def timeline(spec: dict, fmt: str = "png", size: tuple[float, float] = WIDE) -> bytes:
    """An indicator's measured values over time as a line, its baseline dotted and its
    target dashed (a star on the target date), as PNG or SVG. Text stays text in the SVG;
    ``svg.hashsalt`` keeps the SVG's ids the same for the same chart."""
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": spec["title"]}):
        figure = _timeline_figure(spec, size)
        try:
            out = io.BytesIO()
            figure.savefig(
                out, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None
            )
            return out.getvalue()
        finally:
            figure.clear()
