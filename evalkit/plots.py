"""Charts for reports: one theme, the accessible palette, direct labels, and alt text.

Plot functions draw *finished* result frames (from :mod:`evalkit.analysis`); they compute no
statistic. Each takes an optional ``ax`` and returns ``(ax, alt)``, where ``alt`` is alt
text written from the data ("Bar chart: attendance fell from 18 at the master class to 11
at workshop 3"), so no chart is shown without a sentence that carries its finding.

Colours are the GOV.UK Analysis Function accessible palette; a chart uses at most four.

>>> import pandas as pd
>>> ax, alt = bars(pd.DataFrame({"session": ["Master class", "Workshop 3"], "people": [18, 11]}),
...                x="session", y="people", what="attendance")
>>> alt
'Bar chart of attendance: 18 at Master class and 11 at Workshop 3.'
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["PALETTE", "bars", "forest", "line", "theme", "new_axes", "describe_series"]

#: GOV.UK Analysis Function accessible categorical palette, in order of use
PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
MAX_CATEGORIES = 4
INK = "#0b0c0c"
GRID = "#d8d8d8"


def theme() -> dict:
    """Matplotlib settings for every evalkit chart (use with ``plt.rc_context``)."""
    return {
        "figure.figsize": (7.5, 3.8),
        "figure.dpi": 100,
        "savefig.dpi": 200,
        "font.family": ["DejaVu Sans"],  # ships with matplotlib: the same glyphs everywhere
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelcolor": INK,
        "axes.edgecolor": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE[:MAX_CATEGORIES]),
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": GRID,
        "grid.linewidth": 0.8,
        "xtick.color": INK,
        "ytick.color": INK,
        "legend.frameon": False,
        "svg.hashsalt": "evalkit",  # stable element ids: the same chart gives the same SVG
        "svg.fonttype": "path",
    }


@contextmanager
def themed():
    with plt.rc_context(theme()):
        yield


def new_axes(width: float = 7.5, height: float = 3.8):
    """A figure and axes in the evalkit theme."""
    with themed():
        fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "no value"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def describe_series(labels: Sequence[str], values: Sequence[float]) -> str:
    """'18 at Master class, 16 at Workshop 1 and 11 at Workshop 3'."""
    parts = [f"{_fmt(v)} at {l}" for l, v in zip(labels, values)]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def bars(frame: pd.DataFrame, x: str, y: str, *, what: str, ax=None, title: str | None = None,
         colour: str = PALETTE[0], value_format=_fmt, horizontal: bool = False):
    """Bars labelled directly with their values (no legend, no reading off an axis)."""
    with themed():
        if ax is None:
            _, ax = plt.subplots()
        labels = frame[x].astype(str).tolist()
        values = frame[y].astype(float).to_numpy()
        if horizontal:
            bars_ = ax.barh(labels, values, color=colour)
            ax.invert_yaxis()
            ax.grid(axis="y", visible=False)
            ax.grid(axis="x", visible=True)
        else:
            bars_ = ax.bar(labels, values, color=colour)
        ax.bar_label(bars_, labels=[value_format(v) for v in values], padding=3, color=INK)
        if title:
            ax.set_title(title)
        ax.margins(y=0.15) if not horizontal else ax.margins(x=0.15)
    alt = f"Bar chart of {what}: {describe_series(labels, values)}."
    return ax, alt


def line(frame: pd.DataFrame, x: str, y: str, group: str | None = None, *, what: str, ax=None,
         title: str | None = None):
    """Lines with the group name written at the end of each line instead of a legend."""
    with themed():
        if ax is None:
            _, ax = plt.subplots()
        groups = [(None, frame)] if group is None else list(frame.groupby(group, sort=False))
        if len(groups) > MAX_CATEGORIES:
            raise ValueError(f"a chart shows at most {MAX_CATEGORIES} groups; got {len(groups)}")
        sentences = []
        for colour, (name, part) in zip(PALETTE, groups):
            ax.plot(part[x], part[y], color=colour, marker="o", linewidth=2)
            if name is not None:
                ax.annotate(str(name), (part[x].iloc[-1], part[y].iloc[-1]), xytext=(6, 0),
                            textcoords="offset points", va="center", color=colour, fontweight="bold")
            first, last = part[y].iloc[0], part[y].iloc[-1]
            trend = "rose" if last > first else "fell" if last < first else "stayed"
            who = f"{name}: " if name is not None else ""
            sentences.append(f"{who}{trend} from {_fmt(first)} to {_fmt(last)}")
        if title:
            ax.set_title(title)
    alt = f"Line chart of {what}. " + "; ".join(sentences) + "."
    return ax, alt


def forest(frame: pd.DataFrame, label: str, estimate: str = "estimate", low: str = "ci_low",
           high: str = "ci_high", *, what: str, ax=None, reference: float | None = 0.0,
           title: str | None = None, value_format=_fmt):
    """A forest plot: one row per area with its estimate and interval, values written beside."""
    with themed():
        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 0.5 * len(frame) + 1.2))
        ys = np.arange(len(frame))[::-1]
        est = frame[estimate].astype(float).to_numpy()
        lo = frame[low].astype(float).to_numpy()
        hi = frame[high].astype(float).to_numpy()
        ax.errorbar(est, ys, xerr=[est - lo, hi - est], fmt="o", color=PALETTE[0], ecolor=PALETTE[0],
                    capsize=4, markersize=7)
        if reference is not None:
            ax.axvline(reference, color=PALETTE[4], linewidth=1, linestyle="--")
        ax.set_yticks(ys, frame[label].astype(str).tolist())
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        for yv, e, h in zip(ys, est, hi):
            if not np.isnan(e):
                ax.annotate(value_format(e), (h, yv), xytext=(6, 0), textcoords="offset points",
                            va="center", color=INK)
        if title:
            ax.set_title(title)
        ax.margins(x=0.15)
    parts = [
        f"{l} {value_format(e)} (from {value_format(a)} to {value_format(b)})"
        for l, e, a, b in zip(frame[label].astype(str), est, lo, hi)
    ]
    alt = f"Forest plot of {what} with 95% intervals: " + "; ".join(parts) + "."
    return ax, alt
