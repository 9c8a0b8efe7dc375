"""The cross-pilot report: every pilot's headline measures side by side, what sets the
pilots apart, and whether they differ.

:class:`CrossPilotReport` loads the clean tables of every pilot once, computes the analysis
once (the four levels for all pilots, :func:`evalkit.analysis.side_by_side`,
:func:`~evalkit.analysis.pilot_characteristics` and :func:`~evalkit.analysis.compare_pilots`)
and offers one method per section. It is built to stay readable with hundreds of pilots:
pilots are listed by region, forest plots are split into pages of :data:`PAGE_ROWS` rows,
and the summary counts pilots instead of listing them.

The audience rules are those of :mod:`evalkit.report.pilot` (commissioners: no personal data,
small counts as ``[c]``, figures suppressed the same way in every pilot's report and here).

>>> from evalkit.analysis import example_tables
>>> from evalkit.programme import Programme
>>> programme = Programme.model_validate({"name": "Demo programme", "pilots": [{
...     "id": "demo", "name": "Demo pilot", "authorities": ["Solihull Council"], "region": "West Midlands",
...     "sessions": [{"id": "w1", "kind": "workshop", "date": "2024-09-03"},
...                  {"id": "w2", "kind": "workshop", "date": "2024-10-01"},
...                  {"id": "w3", "kind": "workshop", "date": "2024-11-05"}]}]})
>>> report = CrossPilotReport.from_tables(programme, example_tables(), audience="evaluator")
>>> report.figures()["pilots"]
[{'pilot_id': 'demo', 'name': 'Demo pilot', 'region': 'West Midlands'}]
>>> report.figures()["headlines"]["turnout (any session)"]["demo"]["estimate"]
83
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

import pandas as pd

from .. import __version__, analysis
from ..analysis.learning import COMPOSITE_ITEM
from ..programme import Programme, load_programme
from . import html as H
from .html import Html
from .results import compute_comparisons, compute_levels, pilot_levels, programme_comparisons
from .pilot import (
    AUDIENCES,
    BEHAVIOUR,
    MISSING,
    PLATFORM_WORDS,
    _disclosure,
    _for_pilot,
    _json_default,
    _missing,
    chart,
    count,
    ensure_clean,
    heading_block,
    interval,
    long_date,
    p_figure,
    p_text,
    parameter_pairs,
    pct,
    percent_value,
    plural,
    provenance_footer,
    published,
    published_frame,
    read_clean,
    rendered_at,
    score,
    value_in,
    figure_value,
    withheld_cells,
    words_list,
    wrap_label,
)

__all__ = ["CrossPilotReport", "KEY_HEADLINES", "PAGE_ROWS"]

#: rows per forest plot (a measure over more pilots is drawn on several plots)
PAGE_ROWS = 25

#: pilots above this number get one characteristics table per region
MANY_PILOTS = 25

#: the headlines drawn as forest plots, in this order (the rest are in the tables)
KEY_HEADLINES = (
    "turnout (any session)",
    "retention",
    "attendance consistency",
    "share yes: fb_more",
    "share agree: fb_useful",
    f"change pre to post: {COMPOSITE_ITEM}",
    f"response shift: {COMPOSITE_ITEM}",
    "missing at post",
    "posts a week on x (cohort)",
    "share of posts that are replies on x (cohort)",
    "posts a week on x (cohort minus comparison)",
)

#: measures whose estimate is a share of people (shown as percentages)
SHARE_HEADLINES = ("turnout", "retention", "attendance consistency", "share yes", "share agree",
                   "missing at post")

_TESTS = {"proportions": "Fisher's exact test", "scores": "Kruskal–Wallis (permutation)"}

#: the result levels compared across pilots
_LEVELS = ("participation", "reaction", "learning", "behaviour")
#: the tables the cross-pilot report reads whole (the large ones, metrics, posts and row
#: fates, only pilot by pilot)
_SMALL_TABLES = ("sessions", "participants", "attendance", "responses", "comments", "links")
_COUNT_COLUMNS = ["pilot_id", "files", "kept", "merged", "quarantined"]


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    filled = [f for f in frames if len(f)]
    return pd.concat(filled or frames[:1], ignore_index=True) if frames else pd.DataFrame()


def _record_counts(fates: pd.DataFrame) -> pd.DataFrame:
    """Per pilot: input files, and records kept, merged and set aside (from row fates)."""
    if not len(fates):
        return pd.DataFrame(columns=_COUNT_COLUMNS)
    files = fates["source_file"].astype(str).str.split("#", n=1).str[0]
    out = pd.DataFrame({"files": files.groupby(fates["pilot_id"]).nunique()})
    by_fate = fates.groupby(["pilot_id", "fate"]).size().unstack(fill_value=0)
    for fate in ("kept", "merged", "quarantined"):
        out[fate] = by_fate[fate] if fate in by_fate.columns else 0
    return out.rename_axis("pilot_id").reset_index()[_COUNT_COLUMNS]


def record_counts(clean_dir: str | Path, pilot_ids) -> pd.DataFrame:
    """:func:`_record_counts` of a clean folder's row fates, read pilot by pilot (two
    columns at a time), so that memory holds one pilot's fates whatever the programme's size."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from .. import store

    path = store.table_path(Path(clean_dir), "row_fates")
    if not path.exists():
        return pd.DataFrame(columns=_COUNT_COLUMNS)
    hive = ds.partitioning(pa.schema([(store.PARTITION, pa.string())]), flavor="hive")
    dataset = ds.dataset(str(path), format="parquet", partitioning=hive if path.is_dir() else None)
    rows = []
    for pilot_id in pilot_ids:  # a loop over pilots; each pilot's rows are counted by Arrow
        data = dataset.to_table(columns=["source_file", "fate"], filter=pc.field(store.PARTITION) == pilot_id)
        if not data.num_rows:
            continue
        files = pc.replace_substring_regex(data.column("source_file").cast(pa.string()), pattern="#.*$",
                                           replacement="")
        counted = pc.value_counts(data.column("fate").cast(pa.string())).to_pylist()
        by_fate = {c["values"]: c["counts"] for c in counted}
        rows.append({"pilot_id": pilot_id, "files": pc.count_distinct(files).as_py(),
                     **{fate: by_fate.get(fate, 0) for fate in ("kept", "merged", "quarantined")}})
    return pd.DataFrame(rows, columns=_COUNT_COLUMNS)


class CrossPilotReport:
    """The report comparing every pilot of a programme, for one audience.

    Attributes
    ----------
    programme : Programme
    audience : str
    threshold : int
    tables : dict of DataFrame
        The clean tables of every pilot.
    results : dict of DataFrame
        ``participation``, ``reaction``, ``learning``, ``behaviour`` (all pilots),
        ``headlines`` (:func:`evalkit.analysis.side_by_side`), ``characteristics`` and
        ``differences`` (:func:`evalkit.analysis.compare_pilots`).
    """

    def __init__(self, programme: Programme, tables: Mapping[str, pd.DataFrame], *,
                 audience: str = "commissioner", clean_dir: Path | None = None,
                 parameters: Mapping[str, object] | None = None,
                 levels: Mapping[str, pd.DataFrame] | None = None,
                 record_counts: pd.DataFrame | None = None,
                 comparisons: Mapping[str, pd.DataFrame] | None = None):
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience '{audience}'; audiences are: {', '.join(AUDIENCES)}")
        self.programme = programme
        self.audience = audience
        self.threshold = int(programme.settings.disclosure_threshold)
        self.seed = int(programme.settings.seed)
        self.clean_dir = Path(clean_dir) if clean_dir is not None else None
        self.parameters = dict(parameters or {"audience": audience})
        self.tables = {name: tables[name] for name in tables}
        self.labels = analysis.labels_from_programme(programme)
        self.pilots = self._pilot_frame()
        self._given_levels = levels
        self._record_counts = record_counts
        self._given_comparisons = comparisons
        self._compute()

    @classmethod
    def open(cls, programme: str | Path, clean_dir: str | Path | None = None,
             audience: str = "commissioner") -> "CrossPilotReport":
        """Load the cross-pilot report from a programme folder and its clean tables (cleaning
        the programme into ``clean_dir`` first when it holds no tables; default
        ``build/<programme folder name>/clean``)."""
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience '{audience}'; audiences are: {', '.join(AUDIENCES)}")
        loaded = load_programme(programme)
        folder = ensure_clean(programme, clean_dir)
        ids = [p.id for p in loaded.pilots]
        seed = int(loaded.settings.seed)
        # pilot by pilot: the results each pilot's report keeps (or computes them from that
        # pilot's tables alone), so every pilot's metrics and posts are never held at once
        per_pilot = [pilot_levels(folder, pilot_id, seed, names=_LEVELS) for pilot_id in ids]
        levels = {name: _stack([p[name] for p in per_pilot]) for name in _LEVELS}
        tables = read_clean(folder, ids, names=_SMALL_TABLES)
        parameters = {"programme": loaded.name, "audience": audience,
                      "disclosure_threshold": loaded.settings.disclosure_threshold, "seed": loaded.settings.seed}
        comparisons = programme_comparisons(folder, loaded, tables=tables)
        return cls(loaded, tables, audience=audience, clean_dir=folder, parameters=parameters, levels=levels,
                   record_counts=record_counts(folder, ids), comparisons=comparisons)

    @classmethod
    def from_tables(cls, programme: Programme, tables: Mapping[str, pd.DataFrame],
                    audience: str = "commissioner") -> "CrossPilotReport":
        """The report from canonical tables in memory (missing tables count as empty)."""
        from .. import schemas

        full = {name: tables.get(name, schemas.empty(name) if name in schemas.TABLES else pd.DataFrame())
                for name in (*schemas.TABLES, "review")}
        return cls(programme, full, audience=audience)

    # -- computing ---------------------------------------------------------------------------

    def _pilot_frame(self) -> pd.DataFrame:
        facts = analysis.pilot_facts(self.programme)
        facts["region"] = facts["region"].fillna("Region not given")
        dates = {p.id: (min(s.date for s in p.sessions), max(s.date for s in p.sessions))
                 for p in self.programme.pilots}
        facts["first"] = facts["pilot_id"].map(lambda p: dates[p][0])
        facts["last"] = facts["pilot_id"].map(lambda p: dates[p][1])
        facts["sessions"] = facts["pilot_id"].map(lambda p: len(self.programme.pilot(p).sessions))
        return facts.sort_values(["region", "name"], key=lambda s: s.str.lower()).reset_index(drop=True)

    def _compute(self) -> None:
        t = self.tables
        seed = self.seed
        if self._given_levels is not None:
            levels = {name: self._given_levels[name].copy() for name in _LEVELS}
        else:  # pilot by pilot, as kept results are: the same rows in the same order
            per_pilot = [compute_levels(_for_pilot(t, p.id), seed) for p in self.programme.pilots]
            levels = {name: _stack([p[name] for p in per_pilot]) for name in _LEVELS}
        offset = 0
        for frame in levels.values():
            frame.index = pd.RangeIndex(offset, offset + len(frame))
            offset += len(frame)
        level_masks = [withheld_cells(f, self.threshold, self.audience) for f in levels.values() if len(f)]
        level_mask = pd.concat(level_masks).fillna(False).astype(bool) if level_masks else pd.DataFrame(dtype=bool)
        headlines = analysis.side_by_side(*levels.values())
        single = {p.id for p in self.programme.pilots if len(p.sessions) < 2}
        headlines = headlines[~((headlines["measure"] == "attendance consistency")
                                & headlines["pilot_id"].isin(single))]  # one session: nothing to keep up
        self._headline_mask = self._match_mask(headlines, levels, level_mask)
        comparisons = self._given_comparisons or compute_comparisons(self.programme, t)
        characteristics, differences = comparisons["characteristics"], comparisons["differences"]
        self.results = {**levels, "headlines": headlines, "characteristics": characteristics,
                        "differences": differences}
        self._characteristics_mask = withheld_cells(characteristics, self.threshold, self.audience)
        self._differences_mask = withheld_cells(differences, self.threshold, self.audience)

    def _match_mask(self, headlines: pd.DataFrame, levels: Mapping[str, pd.DataFrame],
                    level_mask: pd.DataFrame) -> pd.DataFrame:
        """The withheld cells of the headline rows: those of the rows of the level results they
        come from (so a figure is suppressed the same way here as in the pilot's own report)."""
        mask = pd.DataFrame(False, index=headlines.index, columns=headlines.columns)
        if not len(headlines) or self.audience == "evaluator":
            return mask
        keys = ["level", "measure", "pilot_id", "group", "n", "estimate", "ci_low", "ci_high"]
        stacked = pd.concat([f for f in levels.values() if len(f)])
        source = stacked[keys].assign(_row=stacked.index)
        found = headlines[keys].reset_index().merge(source, on=keys, how="left").drop_duplicates("index")
        found = found.set_index("index")["_row"].reindex(headlines.index)
        matched = found.notna().to_numpy()
        columns = [c for c in mask.columns if c in level_mask.columns]
        if matched.any():
            picked = level_mask.reindex(found[matched].astype(int).to_numpy())[columns]
            mask.loc[headlines.index[matched], columns] = picked.fillna(False).astype(bool).to_numpy()
        if (~matched).any():  # not a row of the level results: decided on its own
            rest = headlines[~matched]
            mask.loc[rest.index] = withheld_cells(rest, self.threshold, self.audience).to_numpy()
        return mask

    # -- helpers -------------------------------------------------------------------------------

    @property
    def commissioner(self) -> bool:
        return self.audience == "commissioner"

    def _name(self, pilot_id) -> str:
        names = dict(zip(self.pilots["pilot_id"], self.pilots["name"]))
        return names.get(pilot_id, str(pilot_id))

    def _region(self, pilot_id) -> str:
        regions = dict(zip(self.pilots["pilot_id"], self.pilots["region"]))
        return regions.get(pilot_id, "Region not given")

    def label(self, key) -> str:
        if _missing(key):
            return ""
        if key == COMPOSITE_ITEM:
            return "overall confidence"
        return self.labels.get(str(key), str(key).replace("_", " "))

    def mid(self, key) -> str:
        """A label inside a sentence: a leading capital lowered unless it starts an abbreviation."""
        text = self.label(key)
        if len(text) > 1 and text[0].isupper() and not text[1].isupper():
            return text[0].lower() + text[1:]
        return text

    def headline_title(self, headline: str) -> str:
        """A headline as a reader names it ("share yes: fb_more" → "Said yes to “Would like to
        find out more”")."""
        measure, _, rest = headline.partition(": ")
        if headline == "turnout (any session)":
            return "Turnout: eligible people who came to at least one session"
        if headline == "retention":
            return "Retention from the first session to the last"
        if headline == "attendance consistency":
            return "Attendance consistency: median share of sessions attended"
        if headline == "missing at post":
            return "Did not answer the second survey"
        if measure == "share yes":
            return f"Said yes to “{self.label(rest)}”"
        if measure == "share agree":
            return f"Agreed: “{self.label(rest)}”"
        if measure == "change pre to post":
            return f"Average change in {self.mid(rest)} from before to after"
        if measure == "response shift":
            return f"Response shift in {self.mid(rest)} (look-back minus before, on average)"
        for name, (words, _) in BEHAVIOUR.items():
            for platform, platform_words in PLATFORM_WORDS.items():
                if headline == f"{name} on {platform} (cohort)":
                    return f"{words} on {platform_words}: change among cohort members"
                if headline == f"{name} on {platform} (cohort minus comparison)":
                    return f"{words} on {platform_words}: change compared with councillors who did not take part"
        return headline[0].upper() + headline[1:]

    def _kind(self, headline: str) -> str:
        if headline.startswith(SHARE_HEADLINES):
            return "share"
        for name, (_, kind) in BEHAVIOUR.items():
            if headline.startswith(name + " on "):
                return kind
        return "number"

    def _fmt(self, kind: str, signed: bool):
        if kind == "share" and not signed:
            return pct
        return lambda v: value_in(kind, v, signed)

    def _is_change(self, headline: str) -> bool:
        return headline.startswith(("change pre to post", "response shift")) or "(cohort" in headline

    def _headline_rows(self, headline: str) -> pd.DataFrame:
        rows = self.results["headlines"]
        rows = rows[rows["headline"] == headline]
        order = {p: i for i, p in enumerate(self.pilots["pilot_id"])}
        return rows.assign(_o=rows["pilot_id"].map(order)).sort_values("_o").drop(columns="_o")

    def _headline_table(self, rows: pd.DataFrame, headline: str) -> pd.DataFrame:
        mask = self._headline_mask.loc[rows.index]
        kind = self._kind(headline)
        fmt = self._fmt(kind, self._is_change(headline))
        shown = pd.DataFrame({
            "Pilot": [self._name(p) for p in rows["pilot_id"]],
            "Region": [self._region(p) for p in rows["pilot_id"]],
            "Based on": [("[c]" if h else count(v)) for v, h in zip(rows["n"], mask["n"])],
        })
        if rows["k"].notna().any():
            shown["Count"] = [("[c]" if h else count(v)) for v, h in zip(rows["k"], mask["k"])]
        shown["Figure"] = [("[c]" if h else fmt(v)) for v, h in zip(rows["estimate"], mask["estimate"])]
        shown["95% CI"] = [("[c]" if h else interval(a, b, fmt)) for a, b, h in
                           zip(rows["ci_low"], rows["ci_high"], mask["ci_low"])]
        return shown

    # -- sections -------------------------------------------------------------------------------

    def title(self) -> Html:
        """The h1 with the programme's name, a lede, and the pilots (by region)."""
        parts = []
        if not self.commissioner:
            parts.append(H.warning(
                "This report contains personal data: figures about small groups of named councillors "
                "are shown in full. Keep it within the evaluation team; do not forward or publish it."))
        parts.append(H.heading(f"{self.programme.name}: the pilots compared", 1))
        pilots = self.pilots
        regions = pilots["region"].nunique()
        first, last = pilots["first"].min(), pilots["last"].max()
        parts.append(H.paragraph(
            f"{plural(len(pilots), 'pilot')} in {plural(regions, 'region')}, run between {long_date(first)} and "
            f"{long_date(last)}, set side by side: who came, what they thought, how their confidence and "
            "what they did online changed, and whether the pilots really differ.", css="lede"))
        if self.commissioner:
            parts.append(H.paragraph(
                "This report is written for commissioners and is safe to forward: it names no one, and any "
                f"count of fewer than {self.threshold} people is shown as [c].", css="meta"))
        else:
            parts.append(H.paragraph("Evaluator edition: figures are shown in full, including counts below "
                                     f"the disclosure threshold of {self.threshold}.", css="meta"))
        shown = pd.DataFrame({
            "Pilot": pilots["name"],
            "Region": pilots["region"],
            "Councils": pilots["authorities"].map(lambda n: "one council" if n == 1 else f"{n} councils"),
            "Sessions": pilots["sessions"].map(str),
            "From": pilots["first"].map(long_date),
            "To": pilots["last"].map(long_date),
        })
        parts.append(H.table(shown, caption="The pilots, by region", numeric=["Sessions"]))
        return H.join(*parts)

    def summary_sentences(self) -> list[str]:
        """The summary, counting pilots (so it reads the same for 4 pilots or 400)."""
        sentences = []
        turnout = self._headline_rows("turnout (any session)")
        if len(turnout):
            mask = self._headline_mask.loc[turnout.index]
            shown_k = turnout["k"][~mask["k"]].dropna()
            eligible = int(turnout["n"].sum())
            came = int(shown_k.sum())
            hidden = int(mask["k"].sum())
            sentences.append(
                f"Across the {plural(len(turnout), 'pilot')}, {came} of the {eligible} eligible people came to at "
                "least one session" + (f" (not counting {plural(hidden, 'pilot')} whose count is withheld)"
                                       if hidden else "") + ".")
            cohort = turnout[turnout["group"] == "cohort"]
            cohort = cohort[~self._headline_mask.loc[cohort.index, "estimate"]]
            if len(cohort) >= 2:
                sentences.append(
                    f"In the {plural(len(cohort), 'pilot')} with a cohort of delegates, between "
                    f"{pct(cohort['estimate'].min())} and {pct(cohort['estimate'].max())} of the cohort came to at "
                    "least one session.")
        kept = self._headline_rows("retention")
        kept = kept[~self._headline_mask.loc[kept.index, "estimate"]] if len(kept) else kept
        if len(kept) >= 2:
            sentences.append(f"Of those at the first session, between {pct(kept['estimate'].min())} and "
                             f"{pct(kept['estimate'].max())} were at the last ({plural(len(kept), 'pilot')}).")
        for headline, what, changes in ((f"change pre to post: {COMPOSITE_ITEM}", "members' overall confidence",
                                         "average changes"),
                                        ("posts a week on x (cohort)", "cohort members' posts a week on X",
                                         "typical changes")):
            rows = self._headline_rows(headline)
            rows = rows[~self._headline_mask.loc[rows.index, "ci_low"]] if len(rows) else rows
            if not len(rows):
                continue
            rose = int((rows["ci_low"] > 0).sum())
            fell = int((rows["ci_high"] < 0).sum())
            kind = self._kind(headline)
            text = (f"{what[0].upper() + what[1:]} rose alongside the programme in {rose} of the "
                    f"{plural(len(rows), 'pilot')} with the data to tell")
            if fell:
                text += f", and fell in {fell}"
            text += (f" ({changes} from {value_in(kind, rows['estimate'].min(), True)} to "
                     f"{value_in(kind, rows['estimate'].max(), True)}).")
            sentences.append(text)
        differed, same = self._difference_lists()
        if differed:
            sentences.append("The pilots differed clearly in " + words_list(differed) + ".")
        if same and differed:
            sentences.append(f"They did not differ clearly in the {plural(len(same), 'other measure')} compared.")
        elif same:
            sentences.append(f"The pilots did not differ clearly in any of the {plural(len(same), 'measure')} "
                             "compared, such as " + words_list(same[:3]) + ".")
        return sentences

    def headline_figures(self) -> list[tuple[str, str]]:
        figures = [(str(len(self.pilots)), f"pilots in {plural(self.pilots['region'].nunique(), 'region')}")]
        turnout = self._headline_rows("turnout (any session)")
        if len(turnout):
            mask = self._headline_mask.loc[turnout.index]
            figures.append((f"{int(turnout['k'][~mask['k']].sum())} of {int(turnout['n'].sum())}",
                            "eligible people came to at least one session"))
        change = self._headline_rows(f"change pre to post: {COMPOSITE_ITEM}")
        if len(change):
            change = change[~self._headline_mask.loc[change.index, "ci_low"]]
            figures.append((f"{int((change['ci_low'] > 0).sum())} of {len(change)}",
                            "pilots where members' confidence rose"))
        differed, same = self._difference_lists()
        if differed or same:
            figures.append((f"{len(differed)} of {len(differed) + len(same)}",
                            "comparisons where the pilots differed clearly"))
        return figures[:4]

    def key_findings(self, heading: bool = True) -> Html:
        """The summary: headline figures and what the comparison shows, in counts of pilots."""
        parts = [heading_block("Summary", heading)]
        parts.append(H.headline(self.headline_figures()))
        sentences = self.summary_sentences()
        if sentences:
            parts.append(H.panel("What we found", sentences))
        parts.append(H.paragraph(
            "Pilots differ in many ways at once (their councils, their area, their delegates' starting "
            "skills), so a difference between pilots cannot be put down to any one of them, and changes are "
            "described as happening alongside the programmes, not because of them.", css="meta"))
        return H.join(*parts)

    def side_by_side(self, heading: bool = True) -> Html:
        """Forest plots of the key headline measures across pilots (pages of :data:`PAGE_ROWS`
        pilots), each with its table, then every other headline in a table."""
        parts = [heading_block("The pilots side by side", heading)]
        headlines = self.results["headlines"]
        if not len(headlines):
            parts.append(H.paragraph("There are no headline figures to compare yet."))
            return H.join(*parts)
        parts.append(H.paragraph(
            "Each dot is a pilot's figure and each line its 95% interval, the range the true value most likely "
            "lies in. Pilots are listed by region. “Based on” is the number of people a figure rests on (for "
            "feedback, the number of answers). Turnout counts each pilot's eligible people: the members of its "
            "cohort, or for an awareness session every councillor of the council."))
        drawn = []
        for headline in KEY_HEADLINES:
            rows = self._headline_rows(headline)
            if not len(rows):
                continue
            drawn.append(headline)
            parts += self._headline_block(headline, rows)
        rest = headlines[~headlines["headline"].isin(drawn)]
        if len(rest):
            parts.append(H.heading("Every other headline figure", 3))
            for headline in dict.fromkeys(rest["headline"]):
                rows = self._headline_rows(headline)
                parts.append(H.table(self._headline_table(rows, headline), caption=self.headline_title(headline),
                                     numeric=["Based on", "Count", "Figure"]))
        return H.join(*parts)

    def _headline_block(self, headline: str, rows: pd.DataFrame) -> list[Html]:
        title = self.headline_title(headline)
        parts = [H.heading(title, 3)]
        mask = self._headline_mask.loc[rows.index]
        kind = self._kind(headline)
        change = self._is_change(headline)
        fmt = self._fmt(kind, change)
        drawable = rows[~mask["estimate"] & ~mask["ci_low"] & rows["ci_low"].notna()]
        if len(drawable):
            low, high = drawable["estimate"].idxmin(), drawable["estimate"].idxmax()
            if low != high:
                parts.append(H.paragraph(
                    f"From {fmt(drawable.loc[low, 'estimate'])} in {self._name(drawable.loc[low, 'pilot_id'])} to "
                    f"{fmt(drawable.loc[high, 'estimate'])} in {self._name(drawable.loc[high, 'pilot_id'])}"
                    f" ({plural(len(drawable), 'pilot')} shown)."))
            scale = 100.0 if kind in ("share", "rate") else 1.0
            for start in range(0, len(drawable), PAGE_ROWS):  # pages of PAGE_ROWS pilots
                page = drawable.iloc[start:start + PAGE_ROWS]
                frame = pd.DataFrame({
                    "pilot": [wrap_label(f"{self._name(p)} ({self._region(p)})", 36) for p in page["pilot_id"]],
                    "estimate": page["estimate"].astype(float).to_numpy() * scale,
                    "ci_low": page["ci_low"].astype(float).to_numpy() * scale,
                    "ci_high": page["ci_high"].astype(float).to_numpy() * scale,
                })
                unit = "%" if kind == "share" and not change else (" points" if kind in ("share", "rate") else "")

                def draw(ax, frame=frame, unit=unit, change=change, kind=kind):
                    from .. import plots

                    def shown(v):
                        digits = 0 if unit == "%" or (unit == " points" and kind == "share") else 1
                        text = f"{v:+.{digits}f}" if change else f"{v:.{digits}f}"
                        return text.replace("-", "−") + ("%" if unit == "%" else "")

                    _, alt = plots.forest(frame, label="pilot", ax=ax, value_format=shown,
                                          reference=0.0 if change else None,
                                          what=title[0].lower() + title[1:] + (" (percentage points)"
                                                                               if unit == " points" else ""))
                    ax.set_xlabel({"%": "Share (%)", " points": "Change (percentage points)"}.get(
                        unit, "Change" if change else "Value"))
                    return alt.replace("\n", " ")

                pages = (len(drawable) + PAGE_ROWS - 1) // PAGE_ROWS
                caption = (f"{title}, by pilot, with 95% intervals"
                           + (f" (pilots {start + 1} to {start + len(page)} of {len(drawable)})" if pages > 1 else "")
                           + ("; the dashed line marks no change." if change else "."))
                parts.append(chart(draw, caption=caption, height=0.55 * len(page) + 1.4))
        hidden = len(rows) - len(drawable)
        if hidden:
            parts.append(H.paragraph(f"{plural(hidden, 'pilot')} not drawn: the figure is withheld or has no "
                                     "interval.", css="meta"))
        parts.append(H.table(self._headline_table(rows, headline), caption=title,
                             numeric=["Based on", "Count", "Figure"]))
        return parts

    def characteristics(self, heading: bool = True) -> Html:
        """What may explain differences: single or multi-authority, geography, region, the spread
        of starting skills and how consistently people attended."""
        parts = [heading_block("What sets the pilots apart", heading)]
        found = self.results["characteristics"]
        if not len(found):
            parts.append(H.paragraph("There are no pilot characteristics to show."))
            return H.join(*parts)
        mask = self._characteristics_mask
        table = self._characteristics_table(found, mask)
        kinds = found[found["measure"] == "authorities"]["value"].fillna("").str.startswith("single").sum()
        parts.append(H.paragraph(
            f"{plural(int(kinds), 'pilot')} worked with a single council and "
            f"{plural(len(self.pilots) - int(kinds), 'pilot')} with several. Starting skills are from the first "
            "survey: a beginner's mean confidence was at most 2 on the 1–5 scale, a fluent user's at least 4; the "
            "spread is the range of the middle half of members' starting scores. Attendance consistency is the "
            "median share of the pilot's sessions an eligible person attended."))
        numeric = ["Sessions", "Eligible", "Beginners", "Fluent", "Spread", "Consistency"]
        if len(self.pilots) > MANY_PILOTS:
            for region, part in table.groupby("Region", sort=False):
                parts.append(H.heading(region, 3))
                parts.append(H.table(part.drop(columns="Region"), caption=f"Pilots in {region}", numeric=numeric))
        else:
            parts.append(H.table(table, caption="What each pilot was like", numeric=numeric))
        parts += self._beginners_chart(found, mask)
        return H.join(*parts)

    def _characteristics_table(self, found: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
        def cell(pilot_id, measure, fmt, column="estimate"):
            rows = found[(found["pilot_id"] == pilot_id) & (found["measure"] == measure)]
            if not len(rows):
                return MISSING
            i = rows.index[0]
            if column in mask.columns and mask.loc[i, column]:
                return "[c]"
            value = rows.loc[i, column]
            return MISSING if _missing(value) else fmt(value)

        records = []
        for p in self.pilots.itertuples():
            records.append({
                "Pilot": p.name, "Region": p.region,
                "Councils": cell(p.pilot_id, "authorities", str, "value"),
                "Geography": cell(p.pilot_id, "geography", str, "value"),
                "Sessions": cell(p.pilot_id, "sessions", lambda v: f"{int(v)}"),
                "Eligible": cell(p.pilot_id, "eligible people", lambda v: f"{int(v)}"),
                "Beginners": cell(p.pilot_id, "baseline beginners", pct),
                "Fluent": cell(p.pilot_id, "baseline fluent", pct),
                "Spread": cell(p.pilot_id, "baseline spread", score),
                "Consistency": (cell(p.pilot_id, "attendance consistency", pct) if p.sessions > 1
                                else "one session"),
            })
        return pd.DataFrame(records)

    def _beginners_chart(self, found: pd.DataFrame, mask: pd.DataFrame) -> list[Html]:
        rows = found[(found["measure"] == "baseline beginners") & found["ci_low"].notna()]
        rows = rows[~mask.loc[rows.index, "estimate"]] if len(rows) else rows
        if len(rows) < 2:
            return []
        order = {p: i for i, p in enumerate(self.pilots["pilot_id"])}
        rows = rows.assign(_o=rows["pilot_id"].map(order)).sort_values("_o")
        frame = pd.DataFrame({"pilot": [wrap_label(self._name(p), 36) for p in rows["pilot_id"]],
                              "estimate": 100 * rows["estimate"].astype(float).to_numpy(),
                              "ci_low": 100 * rows["ci_low"].astype(float).to_numpy(),
                              "ci_high": 100 * rows["ci_high"].astype(float).to_numpy()})

        def draw(ax, frame=frame):
            from .. import plots

            _, alt = plots.forest(frame, label="pilot", ax=ax, reference=None,
                                  value_format=lambda v: f"{v:.0f}%",
                                  what="the share of members who started as beginners")
            ax.set_xlabel("Members who started as beginners (%)")
            return alt.replace("\n", " ")

        return [H.heading("Starting skills", 3),
                chart(draw, height=0.55 * len(frame) + 1.4,
                      caption="Share of those who answered the first survey who started as beginners, by pilot, "
                              "with 95% intervals.")]

    def _difference_lists(self) -> tuple[list[str], list[str]]:
        found = self.results["differences"]
        if not len(found):
            return [], []
        differed = found[found["p_adjusted"] < 0.05]
        same = found[~(found["p_adjusted"] < 0.05)]
        return ([self.comparison_name(m) for m in differed["measure"]],
                [self.comparison_name(m) for m in same["measure"]])

    def comparison_name(self, measure: str) -> str:
        """A compared measure in words ("share yes: fb_more" → "saying yes to “Would like to find
        out more”")."""
        head, _, rest = str(measure).partition(": ")
        if measure.startswith("turnout"):
            return "turnout (the share of eligible people who came to at least one session)"
        if measure.startswith("share of sessions attended"):
            return "the share of sessions members attended"
        if head == "share yes":
            return f"saying yes to “{self.label(rest)}”"
        if head == "share agree":
            return f"agreeing that “{self.label(rest)}”"
        words = {"retention": "retention from the first session to the last",
                 "missing at post": "the share who did not answer the second survey",
                 "baseline score": "starting confidence",
                 "change in confidence (post − pre)": "the change in confidence from before to after"}
        if measure in words:
            return words[measure]
        if measure.startswith("baseline skill"):
            return "the mix of beginners, in-between and fluent members at the start"
        return measure

    def differences(self, heading: bool = True) -> Html:
        """Do the pilots differ? The comparisons made, with the adjustment for making many."""
        parts = [heading_block("Do the pilots differ?", heading)]
        found = self.results["differences"]
        if not len(found):
            parts.append(H.paragraph("There are not two pilots with the same measure to compare."))
            return H.join(*parts)
        adjustment = str(found["adjustment"].dropna().iloc[0]) if found["adjustment"].notna().any() else "none"
        parts.append(H.paragraph(
            f"Each measure was compared across the pilots that have it: shares with Fisher's exact test, "
            f"people's scores with a permutation Kruskal–Wallis test. Making many comparisons makes a chance "
            f"difference likely somewhere, so all the p-values were adjusted together: {adjustment}. A "
            "difference counts as clear when the adjusted p-value is below 0.05. Turnout is compared only "
            "between pilots whose eligible people are counted the same way."))
        differed, same = self._difference_lists()
        if differed:
            parts.append(H.paragraph("The pilots differed clearly in " + words_list(differed) + "."))
        else:
            parts.append(H.paragraph("The pilots did not differ clearly in any of the measures compared: the "
                                     "differences seen between them are within what chance could produce with "
                                     "this many people."))
        if same and differed:
            parts.append(H.paragraph("They did not differ clearly in " + words_list(same) + "."))
        mask = self._differences_mask
        shown = pd.DataFrame({
            "Measure": [self.comparison_name(m)[0].upper() + self.comparison_name(m)[1:] for m in found["measure"]],
            "Pilots": [words_list([self._name(p) for p in str(g).split(" vs ")]) if len(str(g).split(" vs ")) <= 4
                       else f"{len(str(g).split(' vs '))} pilots" for g in found["group"]],
            "People": [("[c]" if h else count(v)) for v, h in zip(found["n"], mask["n"])],
            "Test": [_TESTS.get(t, t) for t in found["test"]],
            "Effect size": [("[c]" if h else (MISSING if _missing(v) else f"{v:.2f}"))
                            for v, h in zip(found["effect"], mask.get("effect", mask["estimate"]))],
            "Adjusted p": [("[c]" if h else p_text(v)) for v, h in zip(found["p_adjusted"],
                                                                        mask.get("p_adjusted", mask["p_value"]))],
            "Difference": ["clear" if v < 0.05 else "not clear" for v in found["p_adjusted"]],
        })
        parts.append(H.table(shown, caption=f"Comparisons across the pilots; p-values adjusted: {adjustment}",
                             numeric=["People", "Effect size", "Adjusted p"]))
        parts.append(H.paragraph("Effect sizes: Cramér's V for shares (0 none, 0.1 small, 0.3 medium, 0.5 "
                                 "large) and epsilon-squared for scores (the share of the variation in scores "
                                 "that lies between pilots).", css="meta"))
        return H.join(*parts)

    def data_facts(self) -> pd.DataFrame:
        """Per pilot: files, records by fate, names not resolved (ambiguous or unmatched, not
        counting anonymous answers), in the order of :attr:`pilots`."""
        links = self.tables["links"]
        out = pd.DataFrame({"pilot_id": self.pilots["pilot_id"]}).set_index("pilot_id")
        counts = self._record_counts
        if counts is None:
            counts = _record_counts(self.tables["row_fates"])
        if len(counts):
            counts = counts.set_index("pilot_id")
            for column in ("files", "kept", "merged", "quarantined"):
                out[column] = counts[column]
        if len(links):
            named = links[["source_name", "source_email", "source_handle"]].notna().any(axis=1)
            open_ = links["status"].isin(["ambiguous", "unmatched"]) & named
            out["unresolved"] = open_.groupby(links["pilot_id"]).sum()
        for column in ("files", "kept", "merged", "quarantined", "unresolved"):
            out[column] = (out[column] if column in out.columns else 0)
            out[column] = out[column].fillna(0).astype(int)
        return out.reset_index()[["pilot_id", "files", "kept", "merged", "quarantined", "unresolved"]]

    def data_quality(self, heading: bool = True) -> Html:
        """Per pilot: files, records kept, merged and set aside, identities not resolved, and
        who did not answer the second survey; then how small numbers are protected."""
        parts = [heading_block("About the data", heading)]
        facts = self.data_facts()
        missing = self._headline_rows("missing at post")
        missing_by = {}
        if len(missing):
            mask = self._headline_mask.loc[missing.index]
            missing_by = {p: ("[c]" if h else pct(v)) for p, v, h in
                          zip(missing["pilot_id"], missing["estimate"], mask["estimate"])}

        def people(n: int) -> str:
            return "[c]" if self.commissioner and 0 < n < self.threshold else str(n)

        shown = pd.DataFrame({
            "Pilot": [self._name(p) for p in facts["pilot_id"]],
            "Files": facts["files"].map(str),
            "Records kept": facts["kept"].map(lambda v: f"{v:,}"),
            "Merged": facts["merged"].map(lambda v: f"{v:,}"),
            "Set aside": facts["quarantined"].map(lambda v: f"{v:,}"),
            "Names not matched": facts["unresolved"].map(people),
            "Did not answer the second survey": [missing_by.get(p, MISSING) for p in facts["pilot_id"]],
        })
        parts.append(H.paragraph(
            f"Every record of every file was accounted for: {int(facts['kept'].sum()):,} kept, "
            f"{int(facts['merged'].sum()):,} merged into another record of the same person or submission, and "
            f"{int(facts['quarantined'].sum()):,} set aside because a value could not be understood. Names that "
            "could not be matched to a roster with certainty are not counted in turnout until an evaluator "
            "resolves them; each pilot's report gives the detail."))
        parts.append(H.table(shown, caption="Data checks by pilot",
                             numeric=["Files", "Records kept", "Merged", "Set aside", "Names not matched",
                                      "Did not answer the second survey"]))
        parts.append(H.heading("Protecting people's privacy", 3))
        if self.commissioner:
            parts.append(H.paragraph(_disclosure().method_note(self.threshold)))
        else:
            parts.append(H.paragraph(f"This evaluator edition is not suppressed: it shows counts below the "
                                     f"threshold of {self.threshold}."))
        return H.join(*parts)

    def provenance(self) -> Html:
        """The footer: evalkit version, parameters, a hash of the input data, when rendered."""
        from .render import input_hash

        data_hash = input_hash(self.clean_dir) if self.clean_dir is not None else "tables given in memory"
        return provenance_footer([
            ("Made with", f"evalkit {__version__}"),
            *parameter_pairs(self.parameters),
            ("Input data", f"clean tables with hash {data_hash}"),
            ("Rendered", rendered_at()),
        ])

    # -- outputs ---------------------------------------------------------------------------------

    def figures(self) -> dict:
        """Key published figures, JSON-serialisable and deterministic (no times), rounded and
        suppressed as the report shows them."""
        out = {
            "report": "cross-pilot",
            "programme": self.programme.name,
            "audience": self.audience,
            "disclosure_threshold": self.threshold,
            "pilots": [{"pilot_id": p.pilot_id, "name": p.name, "region": p.region} for p in self.pilots.itertuples()],
            "headline": [{"label": what, "value": value} for value, what in self.headline_figures()],
        }
        headlines = self.results["headlines"]
        out["headlines"] = {}
        for headline in dict.fromkeys(headlines["headline"]):
            rows = self._headline_rows(headline)
            mask = self._headline_mask.loc[rows.index]
            kind = self._kind(headline)
            shares = kind == "share" and not self._is_change(headline)

            def value(v, kind=kind, shares=shares):
                return percent_value(v) if shares else figure_value(kind, v)

            out["headlines"][headline] = {
                p: {"n": published(n, mask.loc[i, "n"], int),
                    "k": published(k, mask.loc[i, "k"], int),
                    "estimate": published(e, mask.loc[i, "estimate"], value),
                    "ci": None if mask.loc[i, "ci_low"] or _missing(lo) else [value(lo), value(hi)]}
                for i, p, n, k, e, lo, hi in zip(rows.index, rows["pilot_id"], rows["n"], rows["k"],
                                                 rows["estimate"], rows["ci_low"], rows["ci_high"])}
        found = self.results["differences"]
        out["differences"] = [{"measure": m, "pilots": g, "n": published(n, h, int),
                               "p_adjusted": p_figure(p), "adjustment": a, "clear": bool(p < 0.05)}
                              for m, g, n, p, a, h in zip(found["measure"], found["group"], found["n"],
                                                          found["p_adjusted"], found["adjustment"],
                                                          self._differences_mask["n"])] if len(found) else []
        out["summary"] = self.summary_sentences()
        return json.loads(json.dumps(out, default=_json_default))

    def write_figures(self, path: str | Path) -> Path:
        """Write :meth:`figures` as JSON (the side file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.figures(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def result_tables(self) -> dict[str, pd.DataFrame]:
        """Result tables for a spreadsheet export: headlines, characteristics and comparisons
        (commissioners: rounded and suppressed, no participant-level rows; evaluators: as
        computed)."""
        out = {}
        names = {"headlines": self._headline_mask, "characteristics": self._characteristics_mask,
                 "differences": self._differences_mask}
        for name, mask in names.items():
            frame = self.results[name]
            if not len(frame):
                continue
            out[name] = published_frame(frame, mask) if self.commissioner else frame.copy()
        checks = self.data_facts()
        if self.commissioner:  # names not matched are people: a small count is withheld
            small = (checks["unresolved"] > 0) & (checks["unresolved"] < self.threshold)
            checks["unresolved"] = checks["unresolved"].astype("object").where(~small, "[c]")
        out["data checks"] = checks
        return out
