"""The per-pilot report: one method per section, each an accessible HTML fragment.

:class:`PilotReport` loads a pilot's clean tables once (cleaning the programme first when
the clean folder is empty), computes the analysis once (participation, reaction, learning,
behaviour and the plain-English findings) and offers one method per report section. The
report notebook (``notebooks/pilot_report.ipynb``) only calls these methods; a Markdown
cell carries each section's heading and its fixed introduction.

Two audiences:

* ``commissioner`` (default): safe to forward. No names, emails, handles or participant ids
  anywhere (text, tables, charts, alt text); counts of fewer than the programme's
  ``disclosure_threshold`` people shown as ``[c]`` (:mod:`evalkit.disclosure`), with
  complementary suppression; medians and intervals only where they rest on at least that
  many people; no participant-level rows; comments quoted without attribution and with
  names scrubbed.
* ``evaluator``: everything, including attendance by person, the identity review queue and
  the per-file data appendix. The report opens with a personal-data warning.

Rounding happens here and only here: percentages to whole numbers, scores to one decimal
place, minutes to whole minutes.

>>> from evalkit.analysis import example_tables
>>> from evalkit.programme import Programme
>>> programme = Programme.model_validate({"name": "Demo programme", "pilots": [{
...     "id": "demo", "name": "Demo pilot", "authorities": ["Solihull Council"],
...     "sessions": [{"id": "w1", "kind": "workshop", "date": "2024-09-03", "label": "Workshop 1"},
...                  {"id": "w2", "kind": "workshop", "date": "2024-10-01", "label": "Workshop 2"},
...                  {"id": "w3", "kind": "workshop", "date": "2024-11-05", "label": "Workshop 3"}]}],
...     "settings": {"disclosure_threshold": 3}})
>>> report = PilotReport.from_tables(programme, example_tables(), "demo")
>>> report.figures()["turnout"]
{'came': 5, 'eligible': 6, 'percent': 83, 'ci_percent': [44, 97], 'rule': 'cohort'}
>>> "<h1>Demo pilot</h1>" in report.title()
True
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import __version__, analysis, schemas
from ..analysis.learning import COMPOSITE_ITEM
from ..programme import Programme, load_programme
from . import html as H
from .html import Html, esc
from .results import compute_levels, pilot_levels

__all__ = ["AUDIENCES", "PilotReport", "default_clean_dir", "ensure_clean", "read_clean"]

AUDIENCES = ("commissioner", "evaluator")

#: the clean tables a report reads
CLEAN_TABLES = ("sessions", "participants", "attendance", "responses", "comments", "metrics", "posts",
                "row_fates", "links")

#: what an empty or suppressed cell shows
MISSING = "–"

KIND_WORDS = {"awareness": "awareness session", "masterclass": "master class", "workshop": "workshop",
              "surgery": "social media surgery"}
MODE_WORDS = {"in-person": "in person", "online": "online", "hybrid": "hybrid (in the room and online)"}
RULE_WHO = {"cohort": "cohort members", "councillors": "councillors", "roster": "people on the roster"}
RULE_WORDS = {"cohort": "the members enrolled on the programme",
              "councillors": "every councillor of the council, as all were invited",
              "roster": "everyone on the pilot's roster"}
ROLE_WORDS = {"councillor": "Councillors", "officer": "Officers", "other": "Other guests",
              "unlinked": "Not matched to the roster", "not on roster": "Not on the roster"}
PLATFORM_WORDS = {"x": "X", "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn"}
BAND_WORDS = {"beginner": "Beginner", "intermediate": "In between", "fluent": "Fluent"}
SCALE_AGREE = {"agreement": "Agree or strongly agree", "confidence": "Confident or very confident",
               "frequency": "Weekly or more often", "zero_ten": "9 or 10 out of 10"}

#: behaviour measures: (plain name, kind of value)
BEHAVIOUR = {
    "posts a week": ("Posts a week", "number"),
    "share of posts that are replies": ("Share of posts that are replies", "share"),
    "engagement rate": ("Engagement rate (engagements per impression)", "rate"),
    "new followers a week": ("New followers a week", "number"),
}

#: columns of result frames that carry a statistic (suppressed together with a small n)
STATISTIC_COLUMNS = (
    "n", "k", "estimate", "ci_low", "ci_high", "p_value", "median", "mean", "q1", "q3",
    "median_before", "median_after", "n_improved", "n_worse", "n_zero", "share_improved",
    "share_improved_ci_low", "share_improved_ci_high", "effect", "effect_ci_low", "effect_ci_high",
    "mean_change_cohort", "mean_change_comparison", "median_completers", "median_non_completers",
    "n_completers", "n_non_completers", "share_of_attendees", "statistic", "p_adjusted",
    "ci_level", "hl_estimate", "hl_ci_low", "hl_ci_high", "hl_ci_level",
)
#: counts of people among the extra columns (suppressed when 1 to threshold − 1)
PEOPLE_COUNTS = ("n_improved", "n_worse", "n_completers", "n_non_completers", "n_cohort", "n_comparison")


# ----------------------------------------------------------------------------- numbers as shown

def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def _minus(text: str) -> str:
    return text.replace("-", "−")


def percent_value(value) -> int | None:
    """A share as the whole percentage shown (0.846 → 85)."""
    return None if _missing(value) else int(f"{100 * float(value):.0f}")


def pct(value) -> str:
    """0.846 → "85%"."""
    return MISSING if _missing(value) else f"{percent_value(value)}%"


def score_value(value) -> float | None:
    """A score as shown, to one decimal place (1.125 → 1.1)."""
    if _missing(value):
        return None
    shown = float(f"{float(value):.1f}")
    return 0.0 if shown == 0 else shown


def score(value, signed: bool = False) -> str:
    """1.125 → "1.1" ("+1.1" when ``signed``); a true minus sign for negatives."""
    if _missing(value):
        return MISSING
    shown = score_value(value)
    text = f"{shown:.1f}"
    if signed and shown > 0:
        text = "+" + text
    return _minus(text)


def count(value) -> str:
    return MISSING if _missing(value) else f"{int(value)}"


def minutes(value) -> str:
    return MISSING if _missing(value) else f"{float(value):.0f}"


def points(value, signed: bool = True) -> str:
    """A change in a share, in percentage points (0.128 → "+13")."""
    if _missing(value):
        return MISSING
    number = int(float(f"{100 * float(value):.0f}"))
    return _minus(("+" if signed and number > 0 else "") + f"{number}")


NBSP = "\u00a0"


def interval(low, high, fmt: Callable = pct) -> str:
    """"64% to 95%", kept on one line (no-break spaces)."""
    if _missing(low) or _missing(high):
        return MISSING
    return f"{fmt(low)}{NBSP}to{NBSP}{fmt(high)}"


def value_in(kind: str, value, signed: bool = False) -> str:
    """A behaviour value in its unit: shares as percentages (changes in points), rates with one
    decimal place of a percentage, numbers to one decimal place."""
    if _missing(value):
        return MISSING
    if kind == "share":
        return points(value) if signed else pct(value)
    if kind == "rate":
        shown = float(f"{100 * float(value):.1f}") or 0.0
        text = f"{shown:.1f}"
        return _minus(("+" if signed and shown > 0 else "") + text) + ("" if signed else "%")
    return score(value, signed)


def figure_value(kind: str, value):
    """A behaviour value as published in the figures side file."""
    if _missing(value):
        return None
    if kind == "share":
        return percent_value(value)
    if kind == "rate":
        return float(f"{100 * float(value):.1f}")
    return score_value(value)


def p_text(value) -> str:
    if _missing(value):
        return MISSING
    return f"<{NBSP}0.001" if value < 0.001 else f"{value:.3f}"


def p_figure(value):
    """A p-value as published: three decimal places, or "< 0.001"."""
    if _missing(value):
        return None
    return "< 0.001" if value < 0.001 else float(f"{float(value):.3f}")


def long_date(value) -> str:
    """2022-10-04 → "4 October 2022"."""
    if _missing(value):
        return MISSING
    day = pd.Timestamp(value)
    return f"{day.day} {day.strftime('%B %Y')}"


def words_list(items: Sequence[str]) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def number_word(n: int) -> str:
    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    return words[n] if 0 <= n < len(words) else str(n)


def kind_phrase(kind: str, n: int) -> str:
    """("workshop", 3) → "three workshops"; ("awareness", 1) → "an awareness session"."""
    word = KIND_WORDS.get(kind, kind)
    if n == 1:
        return ("an " if word[0] in "aeiou" else "a ") + word
    many = word[:-1] + "ies" if word.endswith("y") else word + ("es" if word.endswith("s") else "s")
    return f"{number_word(n)} {many}"


def wrap_label(text: str, width: int = 34, lines: int = 2) -> str:
    """A chart label on at most ``lines`` lines of about ``width`` characters."""
    import textwrap

    wrapped = textwrap.wrap(text, width)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


# ----------------------------------------------------------------------------- clean tables

def default_clean_dir(programme: str | Path) -> Path:
    """``build/<programme folder name>/clean``, relative to the current directory."""
    return Path("build") / Path(programme).resolve().name / "clean"


def has_tables(clean_dir: str | Path) -> bool:
    clean_dir = Path(clean_dir)
    return all((clean_dir / f"{name}.parquet").exists() for name in CLEAN_TABLES)


def ensure_clean(programme: str | Path, clean_dir: str | Path | None = None) -> Path:
    """The clean folder of ``programme``, cleaning the programme into it first when it holds
    no tables (:func:`evalkit.pipeline.clean_programme` and :func:`~evalkit.pipeline.write_clean`).

    The tables are written to a temporary folder beside ``clean_dir`` and moved into place,
    so reports rendered in parallel never read a half-written folder.
    """
    clean_dir = Path(clean_dir) if clean_dir is not None else default_clean_dir(programme)
    if has_tables(clean_dir):
        return clean_dir
    from ..pipeline import clean_programme, write_clean

    result = clean_programme(programme)
    clean_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{clean_dir.name}-", dir=clean_dir.parent))
    write_clean(result, staging)
    try:
        if clean_dir.is_dir() and not any(clean_dir.iterdir()):
            clean_dir.rmdir()
        os.rename(staging, clean_dir)
    except OSError:  # another report finished cleaning first, or a partly filled folder
        clean_dir.mkdir(parents=True, exist_ok=True)
        for path in staging.iterdir():
            target = clean_dir / path.name
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(path, target)
        staging.rmdir()
    return clean_dir


def _read_table(path: Path, name: str, pilot_ids: Sequence[str] | None) -> pd.DataFrame:
    if not path.exists():
        return schemas.empty(name)
    from ..pipeline import read_clean_table

    # either store layout (one file, or a folder partitioned by pilot), text as strings
    return read_clean_table(path.parent, name, pilot_ids)


def read_clean(clean_dir: str | Path, pilot_ids: Sequence[str] | None = None,
               names: Sequence[str] = CLEAN_TABLES) -> dict[str, pd.DataFrame]:
    """The clean tables ``names`` of a folder written by ``evalkit clean`` (only the rows of
    ``pilot_ids`` when given), plus ``review`` (the identity review queue)."""
    clean_dir = Path(clean_dir)
    tables = {name: _read_table(clean_dir / f"{name}.parquet", name, pilot_ids) for name in names}
    review_path = clean_dir / "review.csv"
    review = pd.read_csv(review_path, dtype=str, keep_default_na=False) if review_path.exists() else pd.DataFrame()
    if len(review.columns):
        review = review.replace({"": None})
        for column in review.columns:
            if column == "n_rows" or column.endswith("_score"):
                review[column] = pd.to_numeric(review[column], errors="coerce")
        if pilot_ids is not None and "pilot_id" in review.columns:
            review = review[review["pilot_id"].isin(list(pilot_ids))].reset_index(drop=True)
    tables["review"] = review
    return tables


def _for_pilot(tables: Mapping[str, pd.DataFrame], pilot_id: str) -> dict[str, pd.DataFrame]:
    out = {}
    for name in (*CLEAN_TABLES, "review"):
        frame = tables.get(name)
        if frame is None:
            frame = schemas.empty(name) if name in schemas.TABLES else pd.DataFrame()
        if "pilot_id" in frame.columns:
            frame = frame[frame["pilot_id"] == pilot_id].reset_index(drop=True)
        out[name] = frame
    return out


# ----------------------------------------------------------------------------- disclosure

def _disclosure():
    from .. import disclosure

    return disclosure


def withheld_cells(frame: pd.DataFrame, threshold: int, audience: str) -> pd.DataFrame:
    """Which cells of a result frame a reader of ``audience`` may not see (True = ``[c]``).

    Evaluators see everything. For commissioners: the cells
    :func:`evalkit.disclosure.suppression_mask` withholds (small counts and their complements,
    figures worked out from them, statistics of rows resting on fewer than ``threshold``
    people), and in addition every statistic of a row whose ``n`` — or either group of a
    comparison (``n_cohort``, ``n_comparison``) — is below the threshold. Compute it on a whole
    result frame (complementary suppression looks at rows together), then pick rows.
    """
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    if audience == "evaluator" or not len(frame):
        return mask
    found = _disclosure().suppression_mask(frame, threshold=threshold)
    mask = found.reindex(index=frame.index, columns=frame.columns).fillna(False).astype(bool)
    small = pd.Series(False, index=frame.index)
    for column in ("n", "n_cohort", "n_comparison"):
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            small |= (values < threshold).fillna(False)
    for column in STATISTIC_COLUMNS:
        if column in frame.columns:
            mask[column] |= small
    for column in PEOPLE_COUNTS:
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            mask[column] |= ((values > 0) & (values < threshold)).fillna(False)
    return mask & frame.notna().to_numpy()


def shown_column(frame: pd.DataFrame, mask: pd.DataFrame, column: str, fmt: Callable) -> list[str]:
    """A column formatted for display, with ``[c]`` where the mask says so."""
    if column not in frame.columns:
        return [MISSING] * len(frame)
    marker = "[c]"
    hidden = mask[column].to_numpy() if column in mask.columns else np.zeros(len(frame), bool)
    return [marker if h else fmt(v) for v, h in zip(frame[column].tolist(), hidden)]


def published(value, hidden: bool, fmt: Callable):
    """A value for the figures side file: ``"[c]"`` when suppressed, else ``fmt(value)``."""
    if hidden:
        return "[c]"
    return None if _missing(value) else fmt(value)


# ----------------------------------------------------------------------------- charts

def chart(draw: Callable, *, caption: str, width: float = 7.5, height: float = 3.8,
          alt: str | None = None) -> Html:
    """Draw with ``draw(ax) -> alt`` on a themed figure and embed it (SVG, alt text)."""
    from .. import plots

    fig, ax = plots.new_axes(width, height)
    with plots.themed():
        drawn_alt = draw(ax)
        fig.tight_layout()
    return H.figure(fig, alt or drawn_alt, caption=caption)


def _note(text: str) -> Html:
    return H.paragraph(text, css="meta")


def _intro(text: str) -> Html:
    return H.paragraph(text)


def _definitions(pairs: Sequence[tuple[str, str]]) -> str:
    return "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs)


def provenance_footer(pairs: Sequence[tuple[str, str]]) -> Html:
    return Html('<footer class="provenance"><p><strong>About this report</strong></p>'
                f"<dl>{_definitions(pairs)}</dl></footer>")


def heading_block(text: str, heading: bool, level: int = 2) -> Html:
    return H.heading(text, level) if heading else Html("")


PARAMETER_WORDS = {"programme": "Programme", "pilot_id": "Pilot", "audience": "Audience",
                   "disclosure_threshold": "Disclosure threshold", "seed": "Random seed"}


def parameter_pairs(parameters: Mapping[str, object]) -> list[tuple[str, str]]:
    return [(PARAMETER_WORDS.get(k, k), str(v)) for k, v in parameters.items()]


def rendered_at() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def file_of(source_file: pd.Series) -> pd.Series:
    """The file each record came from: its ``source_file`` up to a ``#`` (which names a
    workbook's sheet), as text; worked out once per distinct value, not once per record.

    >>> file_of(pd.Series(["a/forms.xlsx#Sheet1", "a/forms.xlsx#Sheet2", "b/day.csv"])).tolist()
    ['a/forms.xlsx', 'a/forms.xlsx', 'b/day.csv']
    """
    codes, distinct = pd.factorize(source_file.astype(object), use_na_sentinel=False)
    files = pd.Index(distinct, dtype=object).astype(str).str.split("#", n=1).str[0]
    return pd.Series(np.asarray(files, dtype=object)[codes], index=source_file.index, dtype=object)


def quarantine_kind(reasons: pd.Series) -> pd.Series:
    """A short plain description of why records were quarantined (no values from the file)."""
    text = reasons.fillna("").astype(str).str.lower()
    kinds = np.select(
        [text.str.contains("is not an answer on the"),
         text.str.contains("date|time", regex=True),
         text.str.contains("number|numeric|not a count", regex=True),
         text.str.contains("duplicate|same", regex=True)],
        ["answers that fit none of the question's answers",
         "dates or times that could not be read",
         "numbers that could not be read",
         "conflicting duplicates"],
        "other values that could not be understood",
    )
    return pd.Series(kinds, index=reasons.index, dtype="object")


# ----------------------------------------------------------------------------- the report

class PilotReport:
    """The report of one pilot, for one audience; one method per section.

    Build it with :meth:`open` (from a programme folder and its clean tables) or
    :meth:`from_tables` (from canonical tables in memory). Every section method returns an
    :class:`~evalkit.report.html.Html` fragment and never raises for a pilot that lacks a
    kind of data: it says so in a sentence.

    Attributes
    ----------
    programme, pilot
        The loaded programme and this pilot's entry in it.
    audience : str
        ``commissioner`` or ``evaluator``.
    threshold : int
        The programme's disclosure threshold.
    tables : dict of DataFrame
        This pilot's clean tables (and ``review``, its identity review queue).
    results : dict of DataFrame
        ``participation``, ``reaction``, ``learning``, ``behaviour``, ``trends`` (the
        parallel-trends check) — tidy result frames of :mod:`evalkit.analysis`, computed once.
    found : DataFrame
        :func:`evalkit.analysis.findings` of those results (for commissioners, without the
        rows whose figures are withheld to protect another).
    """

    def __init__(self, programme: Programme, pilot_id: str, tables: Mapping[str, pd.DataFrame], *,
                 audience: str = "commissioner", clean_dir: Path | None = None,
                 parameters: Mapping[str, object] | None = None):
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience '{audience}'; audiences are: {', '.join(AUDIENCES)}")
        self.programme = programme
        self.pilot = programme.pilot(pilot_id)
        self.audience = audience
        self.threshold = int(programme.settings.disclosure_threshold)
        self.seed = int(programme.settings.seed)
        self.clean_dir = Path(clean_dir) if clean_dir is not None else None
        self.parameters = dict(parameters or {"pilot_id": pilot_id, "audience": audience})
        self.tables = _for_pilot(tables, self.pilot.id)
        self.labels = analysis.labels_from_programme(programme)
        self._people = None
        self._compute()

    # -- building -------------------------------------------------------------------------

    @classmethod
    def open(cls, programme: str | Path, clean_dir: str | Path | None, pilot_id: str,
             audience: str = "commissioner") -> "PilotReport":
        """Load a pilot's report from a programme folder and its clean tables.

        Parameters
        ----------
        programme : str or Path
            The programme folder (holding ``programme.yml``).
        clean_dir : str, Path or None
            Where ``evalkit clean`` wrote the tables; default ``build/<programme folder
            name>/clean`` relative to the current directory. When it holds no tables the
            programme is cleaned into it first.
        pilot_id : str
            Which pilot.
        audience : str, default "commissioner"
            ``commissioner`` (safe to forward) or ``evaluator`` (personal data).
        """
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience '{audience}'; audiences are: {', '.join(AUDIENCES)}")
        loaded = load_programme(programme)
        loaded.pilot(pilot_id)  # an unknown pilot fails here, naming the pilots there are
        folder = ensure_clean(programme, clean_dir)
        tables = read_clean(folder, [pilot_id])
        parameters = {"programme": loaded.name, "pilot_id": pilot_id, "audience": audience,
                      "disclosure_threshold": loaded.settings.disclosure_threshold,
                      "seed": loaded.settings.seed}
        return cls(loaded, pilot_id, tables, audience=audience, clean_dir=folder, parameters=parameters)

    @classmethod
    def from_tables(cls, programme: Programme, tables: Mapping[str, pd.DataFrame], pilot_id: str,
                    audience: str = "commissioner") -> "PilotReport":
        """A report from canonical tables in memory (missing tables count as empty)."""
        return cls(programme, pilot_id, tables, audience=audience)

    def _compute(self) -> None:
        if self.clean_dir is not None:  # computed once per clean store (see evalkit.report.results)
            self.results = pilot_levels(self.clean_dir, self.pilot.id, self.seed, tables=self.tables)
        else:
            self.results = compute_levels(self.tables, self.seed)
        self.weekly = self.results.pop("weekly")  # behind the weekly chart; not a result frame
        offset = 0
        for name, frame in self.results.items():  # one index across the frames, for the masks
            frame.index = pd.RangeIndex(offset, offset + len(frame))
            offset += len(frame)
        masks = [withheld_cells(frame, self.threshold, self.audience) for frame in self.results.values()]
        masks = [m for m in masks if len(m)]
        self._withheld = (pd.concat(masks).fillna(False).astype(bool) if masks
                          else pd.DataFrame(dtype=bool))
        frames = [frame[~self._hidden_beyond_words(frame)] for frame in self.results.values()]
        self.found = self._findings(*frames)

    def _findings(self, *frames: pd.DataFrame) -> pd.DataFrame:
        """Sentences for result rows; evaluators get every figure (no withholding)."""
        threshold = self.threshold if self.audience == "commissioner" else 1
        return analysis.findings(*frames, threshold=threshold, labels=self.labels)

    def _sentences(self, rows: pd.DataFrame) -> list[str]:
        if rows is None or not len(rows):
            return []
        rows = rows[~self._hidden_beyond_words(rows)]
        return self._findings(rows)["sentence"].tolist() if len(rows) else []

    def _say(self, rows: pd.DataFrame) -> list[Html]:
        """The findings of ``rows`` as text: a paragraph for one or two sentences, a list for more."""
        sentences = self._sentences(rows)
        if not sentences:
            return []
        if len(sentences) <= 2:
            return [H.paragraph(" ".join(sentences))]
        return [H.bullets(sentences)]

    # -- helpers --------------------------------------------------------------------------

    @property
    def commissioner(self) -> bool:
        return self.audience == "commissioner"

    def _mask(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The withheld cells of result rows (picked from :attr:`results`, index kept), as
        decided once on each whole result frame."""
        mask = self._withheld.reindex(index=rows.index, columns=rows.columns)
        return mask.fillna(False).astype(bool)

    def _hidden_beyond_words(self, rows: pd.DataFrame) -> pd.Series:
        """Rows whose sentence would give away a withheld figure: a count withheld to protect
        another (complementary suppression) is not written as "fewer than 5" by the findings."""
        if not self.commissioner or not len(rows):
            return pd.Series(False, index=rows.index)
        mask = self._mask(rows)
        hidden = pd.Series(False, index=rows.index)
        for column in ("k", "n"):
            if column in rows.columns:
                values = pd.to_numeric(rows[column], errors="coerce")
                hidden |= mask[column] & (values >= self.threshold).fillna(False)
        return hidden

    def _rows(self, level: str, measure: str | Sequence[str], **equal) -> pd.DataFrame:
        frame = self.results[level]
        if not len(frame):
            return frame
        measures = [measure] if isinstance(measure, str) else list(measure)
        chosen = frame["measure"].isin(measures)
        for column, value in equal.items():
            if column not in frame.columns:
                return frame.iloc[0:0]
            if value is None:
                chosen &= frame[column].isna()
            elif value is ...:
                chosen &= frame[column].notna()
            else:
                chosen &= frame[column] == value
        return frame[chosen.fillna(False).astype(bool)]

    def label(self, key) -> str:
        if _missing(key):
            return ""
        key = str(key)
        if key == COMPOSITE_ITEM:
            return "Overall confidence (mean of the confidence questions)"
        return self.labels.get(key, key.replace("_", " "))

    def _sessions(self) -> pd.DataFrame:
        sessions = self.tables["sessions"].copy()
        if not len(sessions):
            return sessions
        sessions["_day"] = pd.to_datetime(sessions["date"].astype(str), errors="coerce")
        sessions = sessions.sort_values(["_day", "session_id"]).reset_index(drop=True)
        if "label" not in sessions.columns:
            sessions["label"] = sessions["session_id"]
        sessions["label"] = sessions["label"].where(sessions["label"].notna(), sessions["session_id"])
        return sessions

    def _eligible_rule(self) -> str:
        rows = self._rows("participation", "turnout")
        if len(rows):
            return str(rows["eligible_rule"].iloc[0])
        kinds = {s.kind for s in self.pilot.sessions}
        return "councillors" if kinds <= {"awareness"} else "cohort"

    def _who(self) -> str:
        return RULE_WHO.get(self._eligible_rule(), "eligible people")

    def _has_metrics(self) -> bool:
        """Whether any social-media metrics or posts of people on the roster were collected."""
        return any(bool(self.tables[name]["participant_id"].notna().any()) for name in ("metrics", "posts"))

    def _table(self, frame: pd.DataFrame, caption: str, numeric: Sequence[str] = ()) -> Html:
        return H.table(frame, caption=caption, numeric=numeric)

    def people(self) -> pd.DataFrame:
        """Everyone a report must never name: the pilot's participants with their roster
        aliases, and the names, emails and handles that could not be linked (columns
        ``display_name, email, x_handle, facebook_page, aliases``)."""
        if self._people is not None:
            return self._people
        participants = self.tables["participants"]
        people = pd.DataFrame({
            "display_name": participants["display_name"].astype("object"),
            "email": participants["email"].astype("object"),
            "x_handle": participants["x_handle"].astype("object"),
            "facebook_page": participants["facebook_page"].astype("object"),
            "aliases": None,
        }) if len(participants) else pd.DataFrame(columns=["display_name", "email", "x_handle",
                                                             "facebook_page", "aliases"])
        aliases = self._roster_aliases()
        if aliases is not None and len(people):
            people["aliases"] = participants["display_name"].map(aliases).astype("object")
        links = self.tables["links"]
        if len(links):
            unlinked = links[links["participant_id"].isna()]
            strangers = pd.DataFrame({
                "display_name": unlinked["source_name"].astype("object"),
                "email": unlinked["source_email"].astype("object"),
                "x_handle": unlinked["source_handle"].astype("object"),
                "facebook_page": None, "aliases": None,
            })
            strangers = strangers.dropna(how="all", subset=["display_name", "email", "x_handle"])
            people = pd.concat([people, strangers], ignore_index=True)
        people = people.astype("object")
        self._people = people.where(people.notna(), None).reset_index(drop=True)
        return self._people

    def _roster_aliases(self) -> dict | None:
        root = self.programme.root
        if root is None:
            return None
        path = Path(root) / self.pilot.id / self.pilot.roster
        try:
            from ..roster import read_roster

            roster = read_roster(path, self.pilot.id)
        except Exception:  # the roster's problems are reported by cleaning
            return None
        joined = roster["aliases"].map(lambda a: "; ".join(a) if isinstance(a, (tuple, list)) else a)
        return dict(zip(roster["name"], joined))

    # ------------------------------------------------------------------------ sections

    def title(self) -> Html:
        """The h1 with the pilot's name, a lede, dates, councils and sessions (evaluators:
        a personal-data warning comes first)."""
        parts = []
        if not self.commissioner:
            parts.append(H.warning(
                "This report contains personal data: the names of councillors and officers, who "
                "attended which session, what individual people answered, and identities still to "
                "be resolved. Keep it within the evaluation team; do not forward or publish it."))
        parts.append(H.heading(self.pilot.name, 1))
        parts.append(H.paragraph(self._lede(), css="lede"))
        councils = list(self.pilot.authorities)
        facts = [f"Part of {self.programme.name}.",
                 f"{'Council' if len(councils) == 1 else 'Councils'}: {words_list(councils)}."]
        if self.pilot.region:
            facts.append(f"Region: {self.pilot.region}.")
        parts.append(H.paragraph(" ".join(facts), css="meta"))
        if self.commissioner:
            parts.append(H.paragraph(
                f"This report is written for commissioners and is safe to forward: it names no one, and "
                f"any count of fewer than {self.threshold} people is shown as [c].", css="meta"))
        else:
            parts.append(H.paragraph("Evaluator edition: figures are shown in full, including counts "
                                     f"below the disclosure threshold of {self.threshold}.", css="meta"))
        sessions = self._sessions()
        if len(sessions):
            shown = pd.DataFrame({
                "Session": sessions["label"].astype(str),
                "Date": sessions["date"].map(long_date),
                "Theme": sessions["theme"].fillna(MISSING).astype(str),
                "Format": sessions["mode"].map(lambda m: MODE_WORDS.get(m, m)).fillna(MISSING),
            })
            parts.append(self._table(shown, caption="The sessions"))
        return H.join(*parts)

    def _lede(self) -> str:
        sessions = self._sessions()
        kinds = [s.kind for s in self.pilot.sessions]
        counts = pd.Series(kinds).value_counts()
        described = [kind_phrase(kind, int(counts.get(kind, 0)))
                     for kind in ("masterclass", "workshop", "awareness", "surgery") if counts.get(kind, 0)]
        what = words_list(described) or "sessions"
        people = analysis.eligible_people(self.tables["participants"], self.tables["sessions"])
        eligible = len(people)
        who = self._who()
        councils = len(self.pilot.authorities)
        whom = (f"for the {eligible} {who}" if who == "councillors" else f"for a cohort of {eligible} members")
        if councils > 1:
            whom += f" from {number_word(councils)} councils"
        if len(sessions) > 1:
            when = (f"between {long_date(sessions['date'].iloc[0])} and "
                    f"{long_date(sessions['date'].iloc[-1])}")
        elif len(sessions):
            when = f"on {long_date(sessions['date'].iloc[0])}"
        else:
            when = ""
        questions = ["who came"]
        if len(self.results["reaction"]):
            questions.append("what they thought of it")
        if len(self.results["learning"]):
            questions.append("whether their confidence changed")
        if self._has_metrics():
            questions.append("whether what they did online changed")
        return (f"How the {self.pilot.name} went: {what}, held {when}, {whom}. This report asks "
                f"{words_list(questions)}.").replace("  ", " ")

    # -- summary ----------------------------------------------------------------------------

    def headline_figures(self) -> list[tuple[str, str]]:
        """The big figures at the top: (value, what it means)."""
        figures = []
        who = self._who()
        overall = self._rows("participation", "turnout", session_id=None)
        if len(overall):
            row, mask = overall.iloc[0], self._mask(overall).iloc[0]
            came = "[c]" if mask["k"] else count(row["k"])
            where = "came to the session" if len(self.pilot.sessions) == 1 else "came to at least one session"
            figures.append((f"{came} of {count(row['n'])}", f"eligible {who} {where}"))
        kept = self._rows("participation", "retention")
        if len(kept):
            row, mask = kept.iloc[0], self._mask(kept).iloc[0]
            value = "[c]" if mask["estimate"] else pct(row["estimate"])
            figures.append((value, "of those at the first session were at the last"))
        roles = self._rows("participation", "attendees", session_id=None, group="officer")
        if len(roles) and len(self.pilot.sessions) == 1:
            row, mask = roles.iloc[0], self._mask(self._rows("participation", "attendees", session_id=None))
            hidden = mask.loc[roles.index[0], "k"]
            figures.append(("[c]" if hidden else count(row["k"]), "officers came too"))
        more = self._rows("reaction", "share yes", session_id=None)
        if len(more):
            more = more.sort_values("n", ascending=False)
            row, mask = more.iloc[0], self._mask(more).iloc[0]
            figures.append(("[c]" if mask["estimate"] else pct(row["estimate"]),
                            f"of feedback answers said yes to “{self.label(row['item_id'])}”"))
        change = self._learning_headline()
        if change is not None:
            row, hidden = change
            figures.append(("[c]" if hidden else score(row["estimate"], True),
                            "average change in confidence, before to after (points on a 1–5 scale)"))
        posts = self._rows("behaviour", "posts a week", group="cohort")
        if len(posts):
            posts = posts.sort_values("n", ascending=False)
            row, mask = posts.iloc[0], self._mask(posts).iloc[0]
            figures.append(("[c]" if mask["estimate"] else score(row["estimate"], True),
                            f"typical change in posts a week on {PLATFORM_WORDS.get(row['platform'], row['platform'])} "
                            "among cohort members, before to after"))
        return figures[:4]

    def _learning_headline(self):
        rows = self._rows("learning", "change pre to post")
        if not len(rows):
            return None
        composite = rows[rows["item_id"] == COMPOSITE_ITEM]
        chosen = composite if len(composite) else rows.sort_values("n", ascending=False).head(1)
        mask = self._mask(rows)
        return chosen.iloc[0], bool(mask.loc[chosen.index[0], "estimate"])

    def _key_rows(self) -> list[pd.DataFrame]:
        """The result rows behind the key findings, most important first."""
        picks = [
            self._rows("participation", "turnout", session_id=None),
            self._rows("participation", "attendees", session_id=None, group="officer")
            if len(self.pilot.sessions) == 1 else None,
            self._rows("participation", "retention"),
            self._rows("reaction", "share yes", session_id=None),
            self._rows("reaction", "share agree", session_id=None, item_id="fb_useful"),
        ]
        learning = self._rows("learning", ["change pre to post", "response shift"])
        if len(learning):
            composite = learning[learning["item_id"] == COMPOSITE_ITEM]
            picks.append(composite if len(composite) else learning[learning["measure"] == "change pre to post"])
        picks.append(self._rows("learning", "missing at post"))
        behaviour = self.results["behaviour"]
        if len(behaviour):
            for measure in ("posts a week", "share of posts that are replies"):
                picks.append(behaviour[(behaviour["measure"] == measure) & (behaviour["platform"] == "x")
                                       & behaviour["group"].isin(["cohort", "cohort minus comparison"])])
        return [p for p in picks if p is not None and len(p)]

    def key_sentences(self) -> tuple[list[str], list[str]]:
        """The key findings: (sentences the data support, at most 8; the main ones where the
        data show no clear change or withhold a figure, at most 6)."""
        supported, unclear = [], []
        for rows in self._key_rows():
            rows = rows[~self._hidden_beyond_words(rows)]
            if not len(rows):
                continue
            found = self._findings(rows)
            supported += found.loc[found["supported"], "sentence"].tolist()
            unclear += found.loc[~found["supported"], "sentence"].tolist()
        return supported[:8], unclear[:6]

    def key_findings(self, heading: bool = True) -> Html:
        """The summary: headline figures and a panel of the most important findings the data
        support, then (separately) the main questions where the data show no clear change."""
        parts = [heading_block("Summary", heading)]
        figures = self.headline_figures()
        if figures:
            parts.append(H.headline(figures))
        supported, unclear = self.key_sentences()
        if supported:
            parts.append(H.panel("What we found", supported))
        else:
            parts.append(H.paragraph("The data of this pilot are too few to support any finding with "
                                     "confidence; the sections below give what there is."))
        if unclear:
            parts.append(H.panel("Where the data show no clear change, or too few people to say", unclear))
        parts.append(_note("Changes are described as happening alongside the programme: without a "
                           "randomised comparison they cannot be proven to be caused by it. Every figure "
                           "gives the number of people it rests on; 95% CI is the range the true value "
                           "most likely lies in."))
        return H.join(*parts)

    # -- participation ------------------------------------------------------------------------

    def participation(self, heading: bool = True) -> Html:
        """Who came: turnout per session, who came by role, representation, attendance across
        the programme, and time present online."""
        parts = [heading_block("Participation: who came", heading)]
        turnout = self._rows("participation", "turnout")
        if not len(turnout):
            parts.append(H.paragraph("This pilot recorded no attendance that could be matched to its "
                                     "roster, so turnout cannot be reported."))
            return H.join(*parts)
        parts += self._turnout_section(turnout)
        parts += self._roles_section()
        parts += self._representation_section()
        parts += self._consistency_section()
        parts += self._minutes_section()
        if not self.commissioner:
            parts += self._attendance_by_person()
        return H.join(*parts)

    def _turnout_section(self, turnout: pd.DataFrame) -> list[Html]:
        who = self._who()
        mask = self._mask(turnout)
        rule = turnout["eligible_rule"].iloc[0]
        n = int(turnout["n"].iloc[0])
        parts = [H.heading("Turnout", 3)]
        parts.append(_intro(
            f"Turnout counts the {n} eligible {who} ({RULE_WORDS.get(rule, rule)}) "
            "present at each session, whatever recorded them (a paper register, a Teams or Zoom report); "
            "a person counts once per session."))
        parts += self._say(turnout[turnout["session_id"].isna()])
        per_session = turnout[turnout["session_id"].notna()]
        per_mask = mask.loc[per_session.index]
        if len(per_session) > 1:
            drawable = per_session[~per_mask["k"]]
            if len(drawable):
                frame = pd.DataFrame({"session": drawable["session_label"].astype(str),
                                      "came": drawable["k"].astype(float)})
                hidden = len(per_session) - len(drawable)

                def draw(ax, frame=frame):
                    from .. import plots

                    _, alt = plots.bars(frame, x="session", y="came", what=f"eligible {who} present at each session",
                                        ax=ax)
                    ax.set_ylabel(f"{who.capitalize()} present (of {n})")
                    from matplotlib.ticker import MaxNLocator

                    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
                    ax.set_ylim(0, max(n, float(frame["came"].max())) * 1.12)
                    return alt

                caption = (f"Eligible {who} present at each session, of the {n} eligible."
                           + (f" {plural(hidden, 'session')} with a count shown as [c] not drawn." if hidden else ""))
                parts.append(chart(draw, caption=caption))
        shown = pd.DataFrame({
            "Session": turnout["session_label"].fillna("any session").map(
                lambda s: "At least one session" if s == "any session" else s),
            "Date": turnout["date"].map(lambda d: MISSING if _missing(d) else long_date(d)),
            "Came": shown_column(turnout, mask, "k", count),
            "Eligible": shown_column(turnout, mask, "n", count),
            "Turnout": shown_column(turnout, mask, "estimate", pct),
            "95% CI": [("[c]" if h else interval(lo, hi)) for lo, hi, h in
                       zip(turnout["ci_low"], turnout["ci_high"], mask["ci_low"])],
        })
        if len(per_session) == 1:
            shown = shown.iloc[[0]]
        parts.append(self._table(shown, caption=f"Turnout of the eligible {who}",
                                 numeric=["Came", "Eligible", "Turnout"]))
        return parts

    def _roles_section(self) -> list[Html]:
        roles = self._rows("participation", "attendees")
        if not len(roles):
            return []
        mask = self._mask(roles)
        display = roles.assign(_shown=shown_column(roles, mask, "k", count),
                               _total=shown_column(roles, mask, "n", count))
        display["_session"] = display["session_label"].fillna("any session").map(
            lambda s: "Any session" if s == "any session" else s)
        order = list(dict.fromkeys(display["_session"]))
        groups = [g for g in ("councillor", "officer", "other", "unlinked", "not on roster")
                  if g in set(display["group"])]
        table = display.pivot_table(index="_session", columns="group", values="_shown", aggfunc="first")
        table = table.reindex(index=order, columns=groups).fillna("0")
        totals = display.groupby("_session", sort=False)["_total"].first().reindex(order)
        shown = pd.DataFrame({"Session": order})
        for g in groups:
            shown[ROLE_WORDS.get(g, g)] = table[g].to_numpy()
        shown["Everyone present"] = totals.to_numpy()
        if len(order) == 2 and order[-1] == "Any session":  # one session: the two rows say the same
            shown = shown.iloc[[0]]
        parts = [H.heading("Who came", 3),
                 _intro("Everyone present counts here, eligible or not: councillors, the officers who "
                        "came, and guests. People the register or meeting report names but who could not be "
                        "matched to the roster are counted by distinct email or name, so one such person "
                        "under two names counts twice.")]
        parts += self._say(roles[roles["session_id"].isna()])
        parts.append(self._table(shown, caption="People present by role",
                                 numeric=[c for c in shown.columns if c != "Session"]))
        return parts

    def _representation_section(self) -> list[Html]:
        parts = []
        for column, title in (("party", "political group"), ("authority", "council")):
            rows = self._rows("participation", f"turnout by {column}")
            if not len(rows) or (column == "authority" and len(rows) < 2):
                continue
            mask = self._mask(rows)
            shown = pd.DataFrame({
                title.capitalize(): rows["group"].astype(str),
                "Came": shown_column(rows, mask, "k", count),
                "Eligible": shown_column(rows, mask, "n", count),
                "Share who came": shown_column(rows, mask, "estimate", pct),
            })
            if not parts:
                parts += [H.heading("Representation", 3),
                          _intro("How many of each group's eligible members came to at least one session.")]
            parts.append(self._table(shown, caption=f"Eligible {self._who()} who came, by {title}",
                                     numeric=["Came", "Eligible", "Share who came"]))
        return parts

    def _consistency_section(self) -> list[Html]:
        spread = self._rows("participation", "sessions attended")
        if not len(spread) or int(spread["sessions_total"].iloc[0]) < 2:
            return []
        mask = self._mask(spread)
        total = int(spread["sessions_total"].iloc[0])
        shown = pd.DataFrame({
            "Sessions attended": [f"{int(s)} of {total}" for s in spread["sessions"]],
            self._who().capitalize(): shown_column(spread, mask, "k", count),
            "Share": shown_column(spread, mask, "estimate", pct),
        })
        parts = [H.heading("Attendance across the programme", 3),
                 _intro("Keeping attendance consistent across several sessions is hard; catch-up "
                        "materials exist for those who miss one. Retention follows the people present at "
                        "the first session to the last.")]
        parts += self._say(self._rows("participation", ["sessions attended (median)", "retention"]))
        parts.append(self._table(shown, caption=f"How many of the {total} sessions each eligible member attended",
                                 numeric=[self._who().capitalize(), "Share"]))
        return parts

    def _minutes_section(self) -> list[Html]:
        rows = self._rows("participation", ["minutes present", "present for most of the session"])
        if not len(rows):
            return []
        present = rows[rows["measure"] == "minutes present"]
        stayed = rows[rows["measure"] == "present for most of the session"]
        mask_p, mask_s = self._mask(present), self._mask(stayed)
        stayed_by = dict(zip(stayed["session_id"], zip(shown_column(stayed, mask_s, "k", count),
                                                       shown_column(stayed, mask_s, "estimate", pct))))
        shown = pd.DataFrame({
            "Session": present["session_label"].astype(str),
            "Joined online": shown_column(present, mask_p, "n", count),
            "Median minutes": shown_column(present, mask_p, "estimate", minutes),
            "Middle half (minutes)": [("[c]" if h else interval(a, b, minutes)) for a, b, h in
                                      zip(present["q1"], present["q3"], mask_p["q1"])],
            "Stayed for most of it": [stayed_by.get(s, (MISSING, MISSING))[0] for s in present["session_id"]],
            "Share who stayed": [stayed_by.get(s, (MISSING, MISSING))[1] for s in present["session_id"]],
        })
        share = stayed["share_of_session"].dropna()
        share = float(share.iloc[0]) if len(share) else 0.75
        unknown = [] if set(present["session_id"]) <= set(stayed["session_id"]) else [_note(
            "A dash under “Stayed for most of it” means the session's length could not be worked out from the "
            "meeting report, so time present cannot be set against it.")]
        return [H.heading("Time present online", 3),
                _intro(f"For sessions joined online, the meeting reports give the minutes each person was in "
                       f"the meeting (waiting rooms left out). “Stayed for most of it” means present for at least "
                       f"{share:.0%} of the session."),
                self._table(shown, caption="Minutes present at online and hybrid sessions (eligible people)",
                            numeric=["Joined online", "Median minutes", "Stayed for most of it", "Share who stayed"]),
                *unknown]

    def _attendance_by_person(self) -> list[Html]:
        people = analysis.eligible_people(self.tables["participants"], self.tables["sessions"])
        present = analysis.attendance_by_person(self.tables["attendance"])
        if not len(people):
            return []
        sessions = self._sessions()
        wide = present.pivot_table(index="participant_id", columns="session_id", values="status",
                                   aggfunc="first")
        shown = pd.DataFrame({"Name": people["display_name"].fillna(people["participant_id"]).astype(str),
                              "Role": people["role"].fillna(MISSING).astype(str),
                              "Council": people["authority"].fillna(MISSING).astype(str)})
        attended = np.zeros(len(people), dtype=int)
        for sid, label in zip(sessions["session_id"], sessions["label"]):
            status = people["participant_id"].map(wide[sid]) if sid in wide.columns else pd.Series(None, index=people.index)
            attended += (status == "present").to_numpy()
            shown[str(label)] = status.fillna("not recorded").astype(str).to_numpy()
        shown["Sessions present"] = attended
        shown = shown.sort_values(["Sessions present", "Name"], ascending=[False, True])
        return [H.heading("Attendance by person (evaluators only)", 3),
                self._table(shown, caption="Every eligible person's attendance status at each session",
                            numeric=["Sessions present"])]

    # -- reaction -------------------------------------------------------------------------------

    def reaction(self, heading: bool = True) -> Html:
        """What people thought: feedback ratings and "find out more" answers."""
        parts = [heading_block("Reaction: what people thought of the sessions", heading)]
        rows = self.results["reaction"]
        if not len(rows):
            parts.append(H.paragraph("This pilot collected no session feedback."))
            return H.join(*parts)
        pooled = rows[rows["session_id"].isna()].copy()
        pooled["_order"] = pooled["measure"].map({"share yes": 0, "share agree": 1})
        pooled = pooled.sort_values(["_order", "item_id"]).drop(columns="_order")
        mask = self._mask(pooled)
        parts.append(_intro(
            "Feedback sheets and forms are mostly anonymous, so these figures count answers, not people, "
            "and leave out blank and “N/A” answers: every figure is of those who answered. Agreeing means "
            "“Agree” or “Strongly agree”; for the 0–10 question, a score of 9 or 10."))
        parts += self._say(pooled)
        drawable = pooled[~mask["estimate"]]
        if len(drawable):
            frame = pd.DataFrame({
                "item": [self._short(self.label(i)) for i in drawable["item_id"]],
                "percent": (100 * drawable["estimate"].astype(float)).round().to_numpy(),
                "n": drawable["n"].astype(int).to_numpy(),
                "what": [("said yes" if m == "share yes" else SCALE_AGREE.get(s, "agreed").lower())
                         for m, s in zip(drawable["measure"], drawable["scale"])],
            })

            def draw(ax, frame=frame):
                from .. import plots

                plots.bars(frame, x="item", y="percent", what="answers", ax=ax, horizontal=True,
                           value_format=lambda v: f"{v:.0f}%")
                ax.set_xlim(0, 112)
                ax.set_xlabel("Share of answers (%)")
                return "Bar chart of the share of feedback answers agreeing or saying yes: " + "; ".join(
                    f"{i}: {p:.0f}% of {n} answers {w}" for i, p, n, w in
                    zip(frame["item"], frame["percent"], frame["n"], frame["what"])) + "."

            parts.append(chart(draw, height=0.55 * len(frame) + 1.3,
                               caption="Share of feedback answers agreeing (or saying yes), all sessions together."))
        shown = pd.DataFrame({
            "Question": [self.label(i) for i in pooled["item_id"]],
            "Counted as agreeing": ["Yes" if m == "share yes" else SCALE_AGREE.get(s, "Agree")
                                    for m, s in zip(pooled["measure"], pooled["scale"])],
            "Agreed": shown_column(pooled, mask, "k", count),
            "Answers": shown_column(pooled, mask, "n", count),
            "Share": shown_column(pooled, mask, "estimate", pct),
            "95% CI": [("[c]" if h else interval(a, b)) for a, b, h in
                       zip(pooled["ci_low"], pooled["ci_high"], mask["ci_low"])],
        })
        parts.append(self._table(shown, caption="Feedback, all sessions together",
                                 numeric=["Agreed", "Answers", "Share"]))
        per_session = rows[rows["session_id"].notna()]
        if per_session["session_id"].nunique() > 1:
            parts += self._feedback_by_session(per_session)
        return H.join(*parts)

    @staticmethod
    def _short(text: str, limit: int = 48) -> str:
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def _feedback_by_session(self, rows: pd.DataFrame) -> list[Html]:
        mask = self._mask(rows)
        cell = [("[c]" if hk else f"{count(k)} of {count(n)}") + ("" if he or hk else f" ({pct(e)})")
                for k, n, e, hk, he in zip(rows["k"], rows["n"], rows["estimate"], mask["k"], mask["estimate"])]
        cell = ["[c]" if hn else c for c, hn in zip(cell, mask["n"])]
        frame = rows.assign(_cell=cell)
        labels = {s: l for s, l in zip(self._sessions()["session_id"], self._sessions()["label"])}
        table = frame.pivot_table(index="item_id", columns="session_id", values="_cell", aggfunc="first")
        order = [s for s in self._sessions()["session_id"] if s in table.columns]
        shown = pd.DataFrame({"Question": [self.label(i) for i in table.index]})
        for sid in order:
            shown[labels.get(sid, sid)] = table[sid].fillna(MISSING).to_numpy()
        return [H.heading("Session by session", 3),
                self._table(shown, caption="Answers agreeing (or saying yes), of those who answered, at each session",
                            numeric=[labels.get(s, s) for s in order])]

    # -- learning ----------------------------------------------------------------------------------

    def learning(self, heading: bool = True) -> Html:
        """Confidence before and after: where people started, the change, the response shift,
        and who did not answer the second survey."""
        parts = [heading_block("Learning: confidence before and after", heading)]
        rows = self.results["learning"]
        if not len(rows):
            parts.append(H.paragraph("This pilot ran no before-and-after survey of skills or confidence, "
                                     "so changes in confidence cannot be reported."))
            return H.join(*parts)
        parts += self._baseline_section()
        parts += self._change_section()
        parts += self._shift_section()
        parts += self._attrition_section()
        return H.join(*parts)

    def _baseline_section(self) -> list[Html]:
        bands = self._rows("learning", "baseline skill")
        if not len(bands):
            return []
        mask = self._mask(bands)
        shown = pd.DataFrame({
            "Starting point": [f"{BAND_WORDS.get(g, g)} (mean confidence {r.replace('<=', 'at most').replace('>=', 'at least')})"
                               for g, r in zip(bands["group"], bands["band_rule"].fillna(""))],
            "Members": shown_column(bands, mask, "k", count),
            "Share": shown_column(bands, mask, "estimate", pct),
        })
        score_rows = self._rows("learning", "baseline score")
        parts = [H.heading("Where people started", 3),
                 _intro("Delegates' skills differ a lot before a programme. Each person's starting point is "
                        "their mean answer to the confidence questions of the first survey, from 1 (not at all "
                        "confident) to 5 (very confident).")]
        if len(score_rows):
            row, m = score_rows.iloc[0], self._mask(score_rows).iloc[0]
            if not m["estimate"]:
                parts.append(H.paragraph(
                    f"Of the {count(row['n'])} who answered the first survey, the median starting point was "
                    f"{score(row['estimate'])} (middle half {score(row['q1'])} to {score(row['q3'])})."))
        parts.append(self._table(shown, caption="Starting confidence of those who answered the first survey",
                                 numeric=["Members", "Share"]))
        return parts

    def _change_section(self) -> list[Html]:
        rows = self._rows("learning", "change pre to post").copy()
        if not len(rows):
            return []
        rows["_order"] = (rows["item_id"] != COMPOSITE_ITEM).astype(int)
        rows = rows.sort_values(["_order", "item_id"]).drop(columns="_order")
        mask = self._mask(rows)
        parts = [H.heading("Change from before to after", 3),
                 _intro("Each person's answer after the programme is set against their own answer before it. "
                        "The average change is the mean of those changes, with its 95% interval (Student's t); "
                        "the p-value is from the exact Wilcoxon signed-rank test. A change whose interval "
                        "includes zero is reported as no clear change.")]
        composite = rows[rows["item_id"] == COMPOSITE_ITEM]
        parts += self._say(composite if len(composite) else rows)
        drawable = rows[~mask["estimate"] & ~mask["ci_low"] & rows["ci_low"].notna()]
        if len(drawable):
            frame = pd.DataFrame({
                "item": [wrap_label(self.label(i)) for i in drawable["item_id"]],
                "estimate": drawable["estimate"].astype(float).to_numpy(),
                "ci_low": drawable["ci_low"].astype(float).to_numpy(),
                "ci_high": drawable["ci_high"].astype(float).to_numpy(),
            })

            def draw(ax, frame=frame):
                from .. import plots

                _, alt = plots.forest(frame, label="item", ax=ax, value_format=lambda v: score(v, True),
                                      what="the average change from before to after, in points on a 1 to 5 scale")
                ax.set_xlabel("Change from before to after (points on a 1–5 scale)")
                from matplotlib.ticker import FormatStrFormatter

                ax.xaxis.set_major_formatter(FormatStrFormatter("%.1f"))
                return alt.replace("\n", " ")

            parts.append(chart(draw, height=0.6 * len(frame) + 1.4,
                               caption="Average change from before to after for each question, with its 95% "
                                       "interval; the dashed line marks no change."))
        shown = pd.DataFrame({
            "Question": [self.label(i) for i in rows["item_id"]],
            "Answered both": shown_column(rows, mask, "n", count),
            "Median before": shown_column(rows, mask, "median_before", score),
            "Median after": shown_column(rows, mask, "median_after", score),
            "Average change": shown_column(rows, mask, "estimate", lambda v: score(v, True)),
            "Interval": [("[c]" if h else interval(a, b, lambda v: score(v, True))) + ("" if h or _missing(lv)
                         or abs(lv - 0.95) < 0.005 else f" ({100 * lv:.1f}%)")
                         for a, b, h, lv in zip(rows["ci_low"], rows["ci_high"], mask["ci_low"], rows["ci_level"])],
            "Improved": [("[c]" if h else f"{count(k)} of {count(n)}") for k, n, h in
                         zip(rows["n_improved"], rows["n"], mask["n_improved"] | mask["n"])],
            "p-value": shown_column(rows, mask, "p_value", p_text),
        })
        parts.append(self._table(shown, caption="Answers before and after (1–5 scales), of those who answered both surveys",
                                 numeric=["Answered both", "Median before", "Median after", "Average change", "Improved",
                                          "p-value"]))
        parts.append(_note("Intervals are 95%. No interval is shown (–) when fewer than two people answered both "
                           "surveys, or when everybody's answer changed by exactly the same amount (there is then "
                           "no spread to judge the change by)."))
        return parts

    def _shift_section(self) -> list[Html]:
        rows = self._rows("learning", ["change then to post", "response shift"])
        if not len(rows):
            return []
        composite = rows[rows["item_id"] == COMPOSITE_ITEM]
        chosen = composite if len(composite) else rows
        parts = [H.heading("Looking back: the response shift", 3),
                 _intro("The survey after the programme also asked people to look back and rate their confidence "
                        "before it. People often rate their starting point lower once they know more (a response "
                        "shift), so a simple before-and-after comparison can understate the change.")]
        parts += self._say(chosen)
        return parts

    def _attrition_section(self) -> list[Html]:
        rows = self._rows("learning", ["missing at post", "baseline: completers vs non-completers"])
        if not len(rows):
            return []
        return [H.heading("Who did not answer the second survey", 3),
                _intro("Some members skip the survey after the programme. If those who dropped out had started "
                       "differently, the change among those who answered both would not speak for everyone.")] + \
            self._say(rows)

    # -- behaviour -------------------------------------------------------------------------------

    def behaviour(self, heading: bool = True) -> Html:
        """What participants did online before, during and after the programme."""
        parts = [heading_block("Behaviour: what members did online", heading)]
        rows = self.results["behaviour"]
        if not self._has_metrics():
            parts.append(H.paragraph("This pilot collected no social-media metrics."))
            return H.join(*parts)
        if not len(rows):
            parts.append(H.paragraph("This pilot's social-media metrics do not cover enough days before and "
                                     "after the programme to compare the two."))
            return H.join(*parts)
        parts.append(_intro(
            "From the members' X and Facebook exports: how often they posted, how many of their posts were "
            "replies (a move from broadcasting towards conversation), how much engagement their posts drew, "
            "and how their audience grew. Each member's 12 weeks before the first session are set against "
            "the 12 weeks after the last."))
        parts += self._cohort_change_section()
        parts += self._comparison_section()
        parts += self._dose_section()
        return H.join(*parts)

    def _behaviour_table(self, rows: pd.DataFrame, comparison: bool) -> pd.DataFrame:
        mask = self._mask(rows)
        kinds = [BEHAVIOUR.get(m, (m, "number"))[1] for m in rows["measure"]]
        names = [BEHAVIOUR.get(m, (m, "number"))[0] for m in rows["measure"]]

        def each(column, signed):
            return [("[c]" if h else value_in(k, v, signed)) for v, k, h in zip(rows[column], kinds, mask[column])]

        shown = pd.DataFrame({
            "Platform": [PLATFORM_WORDS.get(p, p) for p in rows["platform"]],
            "Measure": names,
        })
        if comparison:
            shown["Cohort members"] = shown_column(rows, mask, "n_cohort", count)
            shown["Comparison councillors"] = shown_column(rows, mask, "n_comparison", count)
            shown["Mean change, cohort"] = each("mean_change_cohort", True)
            shown["Mean change, comparison"] = each("mean_change_comparison", True)
            shown["Difference"] = each("estimate", True)
        else:
            shown["Members"] = shown_column(rows, mask, "n", count)
            shown["Median before"] = each("median_before", False)
            shown["Median after"] = each("median_after", False)
            shown["Typical change"] = each("estimate", True)
        shown["95% CI"] = [("[c]" if h else interval(a, b, lambda v, k=k: value_in(k, v, True)))
                           for a, b, k, h in zip(rows["ci_low"], rows["ci_high"], kinds, mask["ci_low"])]
        return shown

    def _cohort_change_section(self) -> list[Html]:
        rows = self._rows("behaviour", list(BEHAVIOUR), group="cohort")
        if not len(rows):
            return []
        rows = rows.assign(_m=rows["measure"].map(list(BEHAVIOUR).index)).sort_values(["platform", "_m"]).drop(columns="_m")
        parts = [H.heading("Before and after the programme", 3)]
        main = rows[rows["measure"].isin(["posts a week", "share of posts that are replies"])]
        parts += self._say(main)
        parts.append(self._table(self._behaviour_table(rows, comparison=False),
                                 caption="Cohort members' activity online, 12 weeks before and 12 weeks after",
                                 numeric=["Members", "Median before", "Median after", "Typical change"]))
        parts.append(_note("Shares and rates change in percentage points. The typical change is the "
                           "Hodges–Lehmann estimate of the members' changes with its exact interval."))
        return parts

    def _comparison_section(self) -> list[Html]:
        did = self._rows("behaviour", list(BEHAVIOUR), group="cohort minus comparison")
        parts = [H.heading("Compared with councillors who did not take part", 3)]
        if not len(did):
            parts.append(H.paragraph("This pilot had no comparison group with enough data, so the changes "
                                     "cannot be set against councillors who did not take part."))
            return parts
        parts.append(_intro("A set of councillors who did not take part was followed over the same weeks. "
                            "The difference between the two groups' changes (a difference in differences) "
                            "allows for what changed for everyone, assuming both groups were on the same "
                            "path before the programme; the check of that assumption follows."))
        did = did.assign(_m=did["measure"].map(list(BEHAVIOUR).index)).sort_values(["platform", "_m"]).drop(columns="_m")
        parts += self._say(did[did["measure"].isin(["posts a week", "share of posts that are replies"])])
        chart_html = self._weekly_chart()
        if chart_html:
            parts.append(chart_html)
        parts.append(self._table(self._behaviour_table(did, comparison=True),
                                 caption="Change among cohort members minus change among comparison councillors",
                                 numeric=["Cohort members", "Comparison councillors", "Mean change, cohort",
                                          "Mean change, comparison", "Difference"]))
        trends = self.results["trends"]
        trends = trends[(trends["group"] == "cohort minus comparison")
                        & trends["outcome"].isin(["posts a week", "share of posts that are replies"])] if len(trends) else trends
        parts += self._say(trends)
        return parts

    def _weekly_chart(self) -> Html | None:
        t = self.tables
        weekly = self.weekly
        if not len(weekly):
            return None
        weekly = weekly[(weekly["measure"] == "posts a week") & (weekly["platform"] == "x")]
        groups = t["participants"][["participant_id", "in_cohort", "comparison"]].copy()
        cohort = groups["in_cohort"].fillna(False).astype(bool)
        compared = groups["comparison"].fillna(False).astype(bool) if "comparison" in groups else False
        groups["group"] = np.where(cohort, "Cohort", np.where(compared, "Comparison", None))
        weekly = weekly.merge(groups[["participant_id", "group"]], on="participant_id").dropna(subset=["group", "value"])
        if weekly["group"].nunique() < 2:
            return None
        means = weekly.groupby(["group", "week_start"], sort=True).agg(value=("value", "mean"),
                                                                      people=("value", "size")).reset_index()
        if self.commissioner:
            means = means[means["people"] >= self.threshold]
        if means["group"].nunique() < 2 or len(means) < 4:
            return None
        sessions = self._sessions()
        first = pd.Timestamp(str(sessions["date"].iloc[0]))
        last = pd.Timestamp(str(sessions["date"].iloc[-1]))
        means["week_start"] = pd.to_datetime(means["week_start"])
        smallest = int(means["people"].min())

        def draw(ax, means=means):
            from .. import plots

            _, alt = plots.line(means, x="week_start", y="value", group="group", ax=ax,
                                what="mean posts a week on X per member, week by week")
            ax.axvspan(first, last, color="#d8d8d8", alpha=0.6, linewidth=0)
            ax.annotate("programme", (first, 1), xycoords=("data", "axes fraction"), xytext=(4, -12),
                        textcoords="offset points", color="#3D3D3D")
            ax.set_ylabel("Posts a week (mean per member)")
            ax.set_ylim(bottom=0)
            import matplotlib.dates as mdates

            locator = mdates.AutoDateLocator(minticks=4, maxticks=7)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            return alt + " The shaded band marks the programme, from the first to the last session."

        return chart(draw, caption=(
            "Mean posts a week on X, week by week, for cohort members and comparison councillors; the "
            "shaded band is the programme. "
            + (f"Weeks with fewer than {self.threshold} members with data in a group are not drawn."
               if self.commissioner else f"The smallest week rests on {smallest} members.")))

    def _dose_section(self) -> list[Html]:
        rows = self._rows("behaviour", list(BEHAVIOUR), group="slope per session attended")
        rows = rows[rows["measure"].isin(["posts a week", "share of posts that are replies"])] if len(rows) else rows
        if not len(rows):
            return []
        return [H.heading("More sessions, more change?", 3),
                _intro("Whether members who attended more sessions changed more. This is an association only: "
                       "keener members may both attend more and be more active online.")] + \
            self._say(rows)

    # -- voices ------------------------------------------------------------------------------------

    #: free-text items quoted in "voices", in this order, with how they are introduced
    VOICE_ITEMS = (("change", "What members said they would do differently"),
                   ("fb_comments", "Comments on the sessions"),
                   ("hopes", "What members hoped to get from the programme"))

    def voices(self, heading: bool = True, per_question: int = 3) -> Html:
        """A few comments from the surveys' free-text questions, names scrubbed; no attribution
        for commissioners. Only questions mapped in ``programme.yml`` are quoted (never, for
        example, registration answers about access or dietary needs)."""
        parts = [heading_block("In their own words", heading)]
        chosen = self.chosen_comments(per_question)
        if not len(chosen):
            parts.append(H.paragraph("This pilot collected no written comments that can be quoted."))
            return H.join(*parts)
        parts.append(_intro(
            "A few of the comments people wrote, chosen by how often a point was made. " +
            ("They are not attributed, and any names, email addresses, handles or phone numbers in them "
             "have been removed." if self.commissioner else
             "Names, email addresses, handles and phone numbers in the text are removed; the attribution "
             "below each quote is for evaluators only.")))
        for item_id, title in self._voice_items():
            mine = chosen[chosen["item_id"] == item_id]
            if not len(mine):
                continue
            parts.append(H.heading(title, 3))
            for record in mine.itertuples():
                attribution = None if self.commissioner else record.attribution
                parts.append(H.quote(record.text, attribution))
        return H.join(*parts)

    def _voice_items(self) -> list[tuple[str, str]]:
        text_items = [i.id for i in self.programme.items if i.scale == "text"]
        known = [(i, t) for i, t in self.VOICE_ITEMS if i in text_items or not text_items]
        others = [(i, self.label(i)) for i in text_items if i not in dict(self.VOICE_ITEMS)]
        return known + others

    def chosen_comments(self, per_question: int = 3) -> pd.DataFrame:
        """The comments quoted in :meth:`voices`: ``item_id, text`` (scrubbed), ``times`` (how many
        people wrote it) and ``attribution`` (evaluators)."""
        comments = self.tables["comments"]
        items = dict(self._voice_items())
        if not len(comments) or not items:
            return pd.DataFrame(columns=["item_id", "text", "times", "attribution"])
        rows = comments[comments["item_id"].isin(list(items)) & comments["text"].notna()].copy()
        text = rows["text"].astype(str).str.strip().str.strip("\"'“”‘’ ").str.replace(r"\s+", " ", regex=True)
        rows["text"] = text
        words = text.str.split().str.len().fillna(0)
        dull = text.str.lower().str.strip(".!? ").isin(["none", "no", "n/a", "na", "nothing", "no thanks", "not sure"])
        rows = rows[(words >= 3) & ~dull]
        if not len(rows):
            return pd.DataFrame(columns=["item_id", "text", "times", "attribution"])
        rows["text"] = self._scrub(rows["text"])
        rows["_key"] = rows["text"].str.lower()
        names = self.tables["participants"].set_index("participant_id")["display_name"] \
            if len(self.tables["participants"]) else pd.Series(dtype="object")
        labels = dict(zip(self._sessions()["session_id"], self._sessions()["label"])) if len(self._sessions()) else {}
        who = rows["participant_id"].map(names).fillna("anonymous").astype(str)
        where = rows["session_id"].map(labels).fillna(rows["wave"].map(
            {"pre": "first survey", "post": "survey after the programme", "feedback": "feedback"})).fillna("")
        rows["_who"] = who + ", " + where.astype(str)
        grouped = rows.groupby(["item_id", "_key"], sort=True).agg(
            text=("text", "first"), times=("text", "size"),
            attribution=("_who", lambda s: "; ".join(sorted(set(s))))).reset_index()
        grouped = grouped.sort_values(["item_id", "times", "_key"], ascending=[True, False, True])
        grouped = grouped.groupby("item_id", sort=False).head(per_question)
        return grouped[["item_id", "text", "times", "attribution"]].reset_index(drop=True)

    def _scrub(self, texts: pd.Series) -> pd.Series:
        people = self.people()
        if not len(people):
            return texts
        return _disclosure().scrub_series(texts, people)

    # -- data quality ----------------------------------------------------------------------------

    def data_quality(self, heading: bool = True) -> Html:
        """Caveats: records checked and quarantined, identities not resolved, who did not answer
        the second survey, and how small numbers are protected; evaluators also get the review
        queue and a per-file appendix."""
        parts = [heading_block("About the data", heading)]
        parts += self._records_section()
        parts += self._identities_section()
        attrition = self._rows("learning", "missing at post")
        if len(attrition):
            parts += [H.heading("Surveys", 3)] + self._say(attrition)
        parts.append(H.heading("Protecting people's privacy", 3))
        if self.commissioner:
            parts.append(H.paragraph(_disclosure().method_note(self.threshold)))
        else:
            parts.append(H.paragraph(
                f"This evaluator edition is not suppressed: it shows counts below the threshold of "
                f"{self.threshold} and names people. The commissioner edition of the same report applies "
                "the disclosure rules and names no one."))
        if not self.commissioner:
            parts += self._review_queue()
            parts += self._files_appendix()
        return H.join(*parts)

    def data_facts(self) -> dict:
        """Counts behind the data-quality section (records by fate, identities by status)."""
        fates = self.tables["row_fates"]
        by_fate = fates["fate"].value_counts().to_dict() if len(fates) else {}
        files = file_of(fates["source_file"]).nunique() if len(fates) else 0
        links = self.tables["links"]
        status = links["status"].value_counts().to_dict() if len(links) else {}
        anonymous = 0
        if len(links):
            nameless = links[["source_name", "source_email", "source_handle"]].isna().all(axis=1)
            anonymous = int((nameless & (links["status"] == "unmatched")).sum())
        return {
            "files": int(files),
            "records_kept": int(by_fate.get("kept", 0)),
            "records_merged": int(by_fate.get("merged", 0)),
            "records_quarantined": int(by_fate.get("quarantined", 0)),
            "structure_lines": int(by_fate.get("skipped-structure", 0)),
            "identities_linked": int(status.get("linked", 0)),
            "identities_ambiguous": int(status.get("ambiguous", 0)),
            "identities_unmatched": int(status.get("unmatched", 0)) - anonymous,
            "anonymous_answer_groups": anonymous,
        }

    def _people_count(self, n: int) -> str:
        """A count of people in running text: "fewer than 5" for 1 to threshold − 1 (commissioners)."""
        if self.commissioner and 0 < n < self.threshold:
            return f"fewer than {self.threshold}"
        return str(n)

    def _records_section(self) -> list[Html]:
        facts = self.data_facts()
        fates = self.tables["row_fates"]
        parts = [H.heading("How the data were checked", 3)]
        if not facts["files"]:
            parts.append(H.paragraph("No input files were read for this pilot."))
            return parts
        data_records = facts["records_kept"] + facts["records_merged"] + facts["records_quarantined"]
        parts.append(H.paragraph(
            f"{plural(facts['files'], 'file')} were read, holding {data_records:,} data records. Every record "
            f"was accounted for: {facts['records_kept']:,} kept, {facts['records_merged']:,} merged into another "
            f"record of the same person or submission (repeated lines, reconnections to an online meeting, "
            f"double submissions) and {facts['records_quarantined']:,} set aside (quarantined) because a value "
            f"could not be understood. A further {facts['structure_lines']:,} lines were titles, headings, notes "
            "or blank lines."))
        quarantined = fates[fates["fate"] == "quarantined"] if len(fates) else fates
        if len(quarantined):
            kinds = quarantine_kind(quarantined["reason"]).value_counts()
            parts.append(H.paragraph("Records set aside: " + "; ".join(
                f"{plural(int(n), 'record')} with {kind}" for kind, n in kinds.items())
                + ". They are left out of every figure; the evaluator edition lists each one."))
        return parts

    def _identities_section(self) -> list[Html]:
        facts = self.data_facts()
        parts = [H.heading("Matching people to the roster", 3)]
        unresolved = facts["identities_ambiguous"] + facts["identities_unmatched"]
        text = (f"Names, email addresses and handles in the files were matched to the pilot's roster "
                f"({facts['identities_linked']} matched). ")
        if unresolved and self.commissioner and unresolved < self.threshold:
            text += (f"Fewer than {self.threshold} could not be matched with certainty: names that fit more "
                     "than one person on the roster equally, and guests or people not on the roster. ")
        elif unresolved:
            text += (f"{unresolved} could not be matched with certainty: "
                     f"{self._people_count(facts['identities_ambiguous'])} that fit more than one person on the "
                     f"roster equally and {self._people_count(facts['identities_unmatched'])} that fit no one, "
                     "such as guests and people not on the roster. ")
        else:
            text += "Every one was matched or resolved. "
        if unresolved:
            text += ("They are not counted in turnout, which may therefore be slightly understated, until an "
                     "evaluator resolves them.")
        if facts["anonymous_answer_groups"] and len(self._rows("learning", "change pre to post")):
            text += (" Anonymous survey answers (with no name or email) count in the survey figures but "
                     "cannot be paired before and after.")
        parts.append(H.paragraph(text))
        return parts

    def _review_queue(self) -> list[Html]:
        review = self.tables["review"]
        parts = [H.heading("Review queue (evaluators only)", 3)]
        if not len(review):
            parts.append(H.paragraph("No identities are waiting for review."))
            return parts
        candidates = []
        for i in (1, 2, 3):
            name, scored = f"candidate_{i}_name", f"candidate_{i}_score"
            if name in review.columns:
                candidates.append(review[name].astype("object").where(review[name].notna(), None).map(
                    lambda v: v) + review[scored].map(lambda s: "" if _missing(s) else f" ({s:.0f})")
                    if scored in review.columns else review[name])
        joined = [", ".join(str(c) for c in cs if c is not None and not _missing(c) and str(c) != "None")
                  for cs in zip(*candidates)] if candidates else [MISSING] * len(review)
        shown = pd.DataFrame({
            "Identity": review.get("identity", pd.Series(None, index=review.index)).fillna("(anonymous)").astype(str),
            "Email": review.get("source_email", pd.Series(None, index=review.index)).fillna(MISSING).astype(str),
            "Found in": review.get("source_table", pd.Series(None, index=review.index)).fillna(MISSING).astype(str),
            "Records": review.get("n_rows", pd.Series(None, index=review.index)).map(count),
            "Status": review.get("status", pd.Series(None, index=review.index)).fillna(MISSING).astype(str),
            "Why": review.get("reason", pd.Series(None, index=review.index)).fillna(MISSING).astype(str),
            "Closest roster people (score)": [j or MISSING for j in joined],
        })
        parts.append(_intro("Resolve these in programme.yml (resolutions) and clean again; each one resolved "
                            "is then counted everywhere."))
        parts.append(self._table(shown, caption="Identities waiting for an evaluator's decision", numeric=["Records"]))
        return parts

    def file_table(self) -> pd.DataFrame:
        """Every input file of the pilot with its format and the fates of its records
        (``folder, file, format, kept, merged, quarantined, structure, status``)."""
        from ..pipeline import input_files

        fates = self.tables["row_fates"]
        workbook = file_of(fates["source_file"]) if len(fates) else pd.Series(dtype=str)
        counts = (fates.groupby([workbook, fates["fate"]]).size().unstack(fill_value=0)
                  if len(fates) else pd.DataFrame())
        root = self.programme.root
        files = []
        if root is not None:
            try:
                files = [p.relative_to(root).as_posix() for p in input_files(self.programme, self.pilot)]
            except OSError:
                files = []
        rows = []
        for name in sorted(set(files) | set(counts.index)):
            got = counts.loc[name] if name in counts.index else None
            inside = name.removeprefix(f"{self.pilot.id}/")
            folder, _, file = inside.rpartition("/")
            rows.append({
                "folder": folder, "file": file, "format": self._format_of(name),
                **{key: (int(got.get(fate, 0)) if got is not None else None)
                   for key, fate in (("kept", "kept"), ("merged", "merged"), ("quarantined", "quarantined"),
                                     ("structure", "skipped-structure"))},
                "status": "read" if got is not None else "not read (see the cleaning summary)",
            })
        return pd.DataFrame(rows, columns=["folder", "file", "format", "kept", "merged", "quarantined",
                                           "structure", "status"])

    def _files_appendix(self, many: int = 6) -> list[Html]:
        """The files, one row each; more than ``many`` files of one format in one area (such as
        ``metrics/x``), all read, share one row (the spreadsheet export lists every file)."""
        files = self.file_table()
        parts = [H.heading("Files (evaluators only)", 3)]
        if not len(files):
            parts.append(H.paragraph("No input files were found for this pilot."))
            return parts
        files = files.assign(area=files["folder"].str.split("/").str[:2].str.join("/"))
        rows = []
        for (area, fmt), group in files.groupby(["area", "format"], sort=True, dropna=False):
            if len(group) > many and (group["status"] == "read").all():
                folders = group["folder"].nunique()
                rows.append({"File": f"{len(group)} files" + (f" in {folders} folders" if folders > 1 else ""),
                             "Folder": area, "Format": fmt,
                             **{c.capitalize(): count(group[c].sum())
                                for c in ("kept", "merged", "quarantined", "structure")}})
            else:
                for r in group.itertuples():
                    rows.append({"File": r.file, "Folder": r.folder,
                                 "Format": r.format if r.status == "read" else f"{r.format}: {r.status}",
                                 **{c.capitalize(): count(getattr(r, c))
                                    for c in ("kept", "merged", "quarantined", "structure")}})
        shown = pd.DataFrame(rows)[["File", "Folder", "Format", "Kept", "Merged", "Quarantined", "Structure"]]
        parts.append(self._table(shown, caption="Every input file of the pilot and the fate of its records",
                                 numeric=["Kept", "Merged", "Quarantined", "Structure"]))
        fates = self.tables["row_fates"]
        quarantined = fates[fates["fate"] == "quarantined"] if len(fates) else fates
        if len(quarantined):
            shown = pd.DataFrame({"File": quarantined["source_file"].astype(str).str.removeprefix(f"{self.pilot.id}/"),
                                  "Row": quarantined["source_row"].map(count),
                                  "Reason": quarantined["reason"].fillna(MISSING).astype(str)})
            parts.append(self._table(shown, caption="Quarantined records", numeric=["Row"]))
        return parts

    def _format_of(self, relative: str) -> str:
        pin = self.pilot.pin(relative.removeprefix(f"{self.pilot.id}/"))
        if pin and pin.format:
            return pin.format
        root = self.programme.root
        if root is None:
            return MISSING
        try:
            from ..readers import detect

            return detect(Path(root) / relative)
        except Exception:
            return "not recognised"

    # -- provenance ------------------------------------------------------------------------------

    def provenance(self) -> Html:
        """The footer: evalkit version, parameters, a hash of the input data, when rendered."""
        from .render import input_hash

        data_hash = input_hash(self.clean_dir, self.pilot.id) if self.clean_dir is not None else "tables given in memory"
        return provenance_footer([
            ("Made with", f"evalkit {__version__}"),
            *parameter_pairs(self.parameters),
            ("Input data", f"clean tables with hash {data_hash}"),
            ("Rendered", rendered_at()),
        ])

    # -- outputs ---------------------------------------------------------------------------------

    def figures(self) -> dict:
        """The key published figures, JSON-serialisable and deterministic (no times): the same
        values, rounded the same way and suppressed the same way, as the report shows."""
        out = {
            "report": "pilot",
            "programme": self.programme.name,
            "pilot_id": self.pilot.id,
            "pilot_name": self.pilot.name,
            "audience": self.audience,
            "disclosure_threshold": self.threshold,
        }
        turnout = self._rows("participation", "turnout")
        if len(turnout):
            mask = self._mask(turnout)

            def turnout_figure(i):
                row, m = turnout.loc[i], mask.loc[i]
                return {"came": published(row["k"], m["k"], int), "eligible": published(row["n"], m["n"], int),
                        "percent": published(row["estimate"], m["estimate"], percent_value),
                        "ci_percent": None if m["ci_low"] or _missing(row["ci_low"])
                        else [percent_value(row["ci_low"]), percent_value(row["ci_high"])]}

            out["sessions"] = [{"session_id": turnout.loc[i, "session_id"], "label": turnout.loc[i, "session_label"],
                                "date": str(turnout.loc[i, "date"]), **turnout_figure(i)}
                               for i in turnout.index if not _missing(turnout.loc[i, "session_id"])]
            overall = turnout.index[turnout["session_id"].isna()]
            if len(overall):
                out["turnout"] = {**turnout_figure(overall[0]), "rule": turnout.loc[overall[0], "eligible_rule"]}
        roles = self._rows("participation", "attendees", session_id=None)
        if len(roles):
            mask = self._mask(roles)
            out["attendees"] = {g: published(k, h, int) for g, k, h in zip(roles["group"], roles["k"], mask["k"])}
            out["attendees"]["everyone"] = published(roles["n"].iloc[0], bool(mask["n"].iloc[0]), int)
        for measure, key in (("retention", "retention"), ("sessions attended (median)", "sessions_attended_median")):
            rows = self._rows("participation", measure)
            if len(rows) and (measure != "sessions attended (median)" or int(rows["sessions_total"].iloc[0]) > 1):
                row, m = rows.iloc[0], self._mask(rows).iloc[0]
                out[key] = {"k": published(row.get("k"), m.get("k", False), int) if measure == "retention" else None,
                            "n": published(row["n"], m["n"], int),
                            "estimate": published(row["estimate"], m["estimate"],
                                                  percent_value if measure == "retention" else score_value)}
                if measure != "retention":
                    out[key].pop("k")
        reaction = self._rows("reaction", ["share agree", "share yes"], session_id=None)
        if len(reaction):
            mask = self._mask(reaction)
            out["feedback"] = {
                reaction.loc[i, "item_id"]: {
                    "label": self.label(reaction.loc[i, "item_id"]), "measure": reaction.loc[i, "measure"],
                    "k": published(reaction.loc[i, "k"], mask.loc[i, "k"], int),
                    "n": published(reaction.loc[i, "n"], mask.loc[i, "n"], int),
                    "percent": published(reaction.loc[i, "estimate"], mask.loc[i, "estimate"], percent_value),
                    "ci_percent": None if mask.loc[i, "ci_low"] or _missing(reaction.loc[i, "ci_low"])
                    else [percent_value(reaction.loc[i, "ci_low"]), percent_value(reaction.loc[i, "ci_high"])],
                } for i in reaction.index}
        learning = self._rows("learning", ["change pre to post", "change then to post", "response shift"])
        if len(learning):
            mask = self._mask(learning)
            out["learning"] = {}
            for i in learning.index:
                row, m = learning.loc[i], mask.loc[i]
                out["learning"].setdefault(row["measure"], {})[row["item_id"]] = {
                    "n": published(row["n"], m["n"], int),
                    "median_before": published(row["median_before"], m["median_before"], score_value),
                    "median_after": published(row["median_after"], m["median_after"], score_value),
                    "change": published(row["estimate"], m["estimate"], score_value),
                    "ci": None if m["ci_low"] or _missing(row["ci_low"])
                    else [score_value(row["ci_low"]), score_value(row["ci_high"])],
                    "p_value": published(row["p_value"], m["p_value"], p_figure),
                }
        missing = self._rows("learning", "missing at post")
        if len(missing):
            row, m = missing.iloc[0], self._mask(missing).iloc[0]
            out["missing_at_post"] = {"k": published(row["k"], m["k"], int), "n": published(row["n"], m["n"], int),
                                      "percent": published(row["estimate"], m["estimate"], percent_value)}
        behaviour = self.results["behaviour"]
        if len(behaviour):
            mask = self._mask(behaviour)
            out["behaviour"] = {}
            for i in behaviour.index:
                row, m = behaviour.loc[i], mask.loc[i]
                kind = BEHAVIOUR.get(row["measure"], (row["measure"], "number"))[1]
                key = f"{row['platform']}: {row['measure']}"
                entry = {"n": published(row["n"], m["n"], int),
                         "estimate": published(row["estimate"], m["estimate"], lambda v: figure_value(kind, v)),
                         "ci": None if m["ci_low"] or _missing(row["ci_low"])
                         else [figure_value(kind, row["ci_low"]), figure_value(kind, row["ci_high"])]}
                out["behaviour"].setdefault(row["group"], {})[key] = entry
        facts = self.data_facts()
        out["data_quality"] = {k: (v if not self.commissioner or not k.startswith("identities")
                                   or not 0 < v < self.threshold else f"fewer than {self.threshold}")
                               for k, v in facts.items()}
        out["headline"] = [{"label": what, "value": value} for value, what in self.headline_figures()]
        out["key_findings"] = self.key_sentences()[0]
        return json.loads(json.dumps(out, default=_json_default))

    def write_figures(self, path: str | Path) -> Path:
        """Write :meth:`figures` as JSON (the side file read by the index page and the tests)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.figures(), indent=1, ensure_ascii=False, sort_keys=False) + "\n",
                        encoding="utf-8")
        return path

    def result_tables(self) -> dict[str, pd.DataFrame]:
        """The result tables for a spreadsheet export.

        Commissioners: the aggregate result frames with suppressed cells as ``[c]`` and numbers
        rounded as shown (no participant-level rows). Evaluators: the result frames unrounded,
        plus attendance by person, the review queue and the quarantined records.
        """
        out = {}
        for name in ("participation", "reaction", "learning", "behaviour"):
            frame = self.results[name]
            if not len(frame):
                continue
            out[name] = self._published_frame(frame) if self.commissioner else frame.copy()
        if len(self.found):
            out["findings"] = self.found[["level", "measure", "detail", "n", "sentence", "supported"]].copy()
        if not self.commissioner:
            out["attendance by person"] = analysis.attendance_by_person(self.tables["attendance"]).merge(
                self.tables["participants"][["participant_id", "display_name", "role", "authority"]],
                on="participant_id", how="left")
            if len(self.tables["review"]):
                out["review queue"] = self.tables["review"].copy()
            fates = self.tables["row_fates"]
            out["quarantined records"] = fates[fates["fate"] == "quarantined"].copy() if len(fates) else fates
            out["files"] = self.file_table()
        return out

    def _published_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A result frame as a commissioner may see it: ids and text columns kept, statistics
        rounded (shares as whole percentages) and suppressed cells as ``[c]``."""
        return published_frame(frame, self._mask(frame))


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (dt.date, pd.Timestamp)):
        return str(value)[:10]
    if value is pd.NA:
        return None
    return str(value)


SHARE_MEASURES = {"turnout", "attendees", "retention", "share agree", "share yes", "baseline skill",
                  "missing at post", "present for most of the session", "attendance consistency",
                  "baseline beginners", "baseline fluent"}
DROP_FROM_EXPORT = ("statistic",)


def published_frame(frame: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
    """A result frame for a commissioner's spreadsheet: text columns as they are, numbers
    rounded (shares of people as whole percentages, other statistics to one decimal place,
    p-values to three), every suppressed cell ``[c]``."""
    out = pd.DataFrame(index=frame.index)
    shares = frame["measure"].isin(list(SHARE_MEASURES)) if "measure" in frame.columns else pd.Series(False, index=frame.index)
    for column in frame.columns:
        if column in DROP_FROM_EXPORT or column == "participant_id":
            continue
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if not numeric:
            shown = values.astype("object").where(values.notna(), None)
        elif column in ("n", "k") or column.startswith("n_") or column in ("sessions", "sessions_total"):
            shown = values.map(lambda v: None if _missing(v) else int(v)).astype("object")
        elif column in ("p_value", "p_adjusted"):
            shown = values.map(p_figure).astype("object")
        elif column in ("estimate", "ci_low", "ci_high"):
            shown = pd.Series([None if _missing(v) else (f"{percent_value(v)}%" if s else score_value(v))
                               for v, s in zip(values, shares)], index=frame.index, dtype="object")
        else:
            shown = values.map(lambda v: None if _missing(v) else float(f"{float(v):.3g}")).astype("object")
        if column in mask.columns:
            shown = shown.where(~mask[column], "[c]")
        out[column] = shown
    return out.reset_index(drop=True)
