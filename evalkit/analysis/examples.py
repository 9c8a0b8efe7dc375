"""A tiny made-up pilot in canonical tables, for trying the analysis functions.

:func:`example_tables` returns the canonical tables (``sessions``, ``participants``,
``attendance``, ``responses``, ``metrics``, ``posts``) of one pilot, ``demo``, small enough
to check every figure by hand. The docstring examples of :mod:`evalkit.analysis` use it.

The pilot: three workshops (3 Sep, 1 Oct online, 5 Nov 2024); a cohort of six councillors
P-A … P-F, an officer P-G, and two comparison councillors P-H and P-I who did not take part.

=====  ==========  =========  ==========  =================  ==================
who    w1          w2 online  w3          posts a week       replies a week
=====  ==========  =========  ==========  =================  ==================
P-A    present     60 min     present     1 before, 4 after  0 before, 1 after
P-B    present     30 min     present     0 → 2              0 → 1
P-C    present     55 min     present     2 → 3              0 → 1
P-D    present     58 min     apologies   3 → 3              0
P-E    present     —          absent      1 → 1              0
P-F    —           —          —           2 → 2              0
P-H    comparison                         2 → 2              0
P-I    comparison                         1 → 2              0
=====  ==========  =========  ==========  =================  ==================

During the programme everyone posts at their before rate. Each post has 100 impressions and
4 engagements (6 for cohort members after the programme) and brings one new follower.
An officer (P-G) and an unlinked "Cllr Pat New" also came to w1. Surveys: two confidence
items at pre (everyone), post and "then" (all but P-E), and feedback sheets at w1 and w3.

>>> tables = example_tables()
>>> sorted(tables)
['attendance', 'metrics', 'participants', 'posts', 'responses', 'sessions']
>>> len(tables["participants"])
9
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["example_tables"]

PILOT = "demo"
ZONE = "Europe/London"
FIRST = pd.Timestamp("2024-09-03")
LAST = pd.Timestamp("2024-11-05")
WEEKS = 12

#: posts a week (before, after) and replies a week after, per person
_ACTIVITY = {
    "P-A": (1, 4, 1), "P-B": (0, 2, 1), "P-C": (2, 3, 1), "P-D": (3, 3, 0),
    "P-E": (1, 1, 0), "P-F": (2, 2, 0), "P-H": (2, 2, 0), "P-I": (1, 2, 0),
}
_COHORT = ("P-A", "P-B", "P-C", "P-D", "P-E", "P-F")


def _sessions() -> pd.DataFrame:
    dates = [dt.date(2024, 9, 3), dt.date(2024, 10, 1), dt.date(2024, 11, 5)]
    return pd.DataFrame({
        "pilot_id": [PILOT] * 3,
        "session_id": ["w1", "w2", "w3"],
        "kind": ["workshop"] * 3,
        "theme": ["Understand your digital footprint and current network",
                  "Shape your network and manage debates online",
                  "Influence your network and lead online"],
        "date": dates,
        "start": [pd.Timestamp(f"{d} 10:00").tz_localize(ZONE) for d in dates],
        "mode": ["in-person", "online", "in-person"],
        "label": ["Workshop 1", "Workshop 2", "Workshop 3"],
    })


def _participants() -> pd.DataFrame:
    ids = ["P-A", "P-B", "P-C", "P-D", "P-E", "P-F", "P-G", "P-H", "P-I"]
    return pd.DataFrame({
        "pilot_id": [PILOT] * 9,
        "participant_id": ids,
        "display_name": ["Ann Ashby", "Ben Brook", "Cara Cole", "Dev Dale", "Eve Ellis",
                         "Finn Ford", "Gail Grey", "Hal Hart", "Isla Irwin"],
        "role": ["councillor"] * 6 + ["officer"] + ["councillor"] * 2,
        "authority": ["Solihull Metropolitan Borough Council"] * 9,
        "party": ["Labour", "Labour", "Conservative", "Green", "Conservative", "Independent",
                  None, "Labour", "Conservative"],
        "in_cohort": [True] * 6 + [False] * 3,
        "email": [None] * 9,
        "x_handle": [None] * 9,
        "facebook_page": [None] * 9,
        "comparison": [False] * 7 + [True] * 2,
        "followers_at_start": [np.nan] * 9,
    })


def _attendance() -> pd.DataFrame:
    start = pd.Timestamp("2024-10-01 10:00").tz_localize(ZONE)
    rows = [("w1", p, None, "present", None, "register") for p in ("P-A", "P-B", "P-C", "P-D", "P-E", "P-G")]
    rows.append(("w1", None, "Cllr Pat New", "present", None, "register"))
    rows.append(("w2", "P-A", None, "absent", None, "register"))
    rows += [("w2", p, None, "present", m, "zoom") for p, m in (("P-A", 60), ("P-B", 30), ("P-C", 55),
                                                                  ("P-D", 58))]
    rows += [("w3", p, None, s, None, "register") for p, s in (("P-A", "present"), ("P-B", "present"),
                                                                 ("P-C", "present"), ("P-D", "apologies"),
                                                                 ("P-E", "absent"))]
    frame = pd.DataFrame(rows, columns=["session_id", "participant_id", "source_name", "status",
                                        "minutes_present", "source"])
    frame.insert(0, "pilot_id", PILOT)
    minutes = pd.to_timedelta(frame["minutes_present"], unit="min")
    online = frame["source"] == "zoom"
    frame["joined_at"] = pd.Series([start if o else pd.NaT for o in online], dtype=f"datetime64[ns, {ZONE}]")
    frame["left_at"] = frame["joined_at"] + minutes
    frame["source_email"] = None
    frame["source_file"] = frame["source"].map({"register": "demo/attendance/register.xlsx",
                                                "zoom": "demo/attendance/zoom-w2.csv"})
    frame["source_row"] = np.arange(2, len(frame) + 2)
    frame["minutes_present"] = frame["minutes_present"].astype(float)
    for column in ("participant_id", "source_name", "source_email"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    return frame


def _responses() -> pd.DataFrame:
    survey = {
        # item: {wave: answers of P-A … P-F (None: no answer)}
        "confidence_posting": {"pre": [2, 1, 3, 4, 2, 3], "post": [4, 3, 4, 4, None, 4],
                               "then": [1, 1, 3, 3, None, 2]},
        "confidence_debate": {"pre": [1, 2, 3, 4, 1, 2], "post": [3, 3, 3, 5, None, 3],
                              "then": [1, 1, 2, 4, None, 2]},
    }
    rows = []
    for item, waves in survey.items():
        for wave, answers in waves.items():
            for person, value in zip(_COHORT, answers):
                if value is not None:
                    rows.append({"participant_id": person, "respondent_id": f"{wave}-{person[-1]}",
                                 "wave": wave, "session_id": None, "item_id": item,
                                 "value": float(value), "scale": "confidence"})
    sheets = {"w1": {"useful": [5, 4, 4, 3, 2], "find_out_more": [1, 1, 1, 0, None]},
              "w3": {"useful": [5, 5, 4], "find_out_more": [1, 1, 0]}}
    for session, items in sheets.items():
        for item, answers in items.items():
            for n, value in enumerate(answers, start=1):
                rows.append({"participant_id": None, "respondent_id": f"{session}-sheet-{n}",
                             "wave": "feedback", "session_id": session, "item_id": item,
                             "value": None if value is None else float(value),
                             "scale": "agreement" if item == "useful" else "yes_no"})
    frame = pd.DataFrame(rows)
    frame.insert(0, "pilot_id", PILOT)
    frame["value"] = frame["value"].astype(float)
    for column in ("participant_id", "session_id"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    return frame


def _post_days() -> pd.DataFrame:
    """One row per person × day they post, with whether that day's post is a reply."""
    before = pd.date_range(FIRST - pd.Timedelta(weeks=WEEKS), FIRST - pd.Timedelta(days=1))
    during = pd.date_range(FIRST, LAST)
    after = pd.date_range(LAST + pd.Timedelta(days=1), LAST + pd.Timedelta(weeks=WEEKS))
    parts = []
    for person, (rate_before, rate_after, replies_after) in _ACTIVITY.items():  # nine people
        for days, rate, replies, period in ((before, rate_before, 0, "before"),
                                            (during, rate_before, 0, "during"),
                                            (after, rate_after, replies_after, "after")):
            slot = np.arange(len(days)) % 7  # position in the 7-day block from the anchor
            chosen = slot < rate
            parts.append(pd.DataFrame({"participant_id": person, "day": days[chosen],
                                       "is_reply": slot[chosen] < replies, "period": period}))
    return pd.concat(parts, ignore_index=True)


def _metrics(post_days: pd.DataFrame) -> pd.DataFrame:
    days = pd.date_range(FIRST - pd.Timedelta(weeks=WEEKS), LAST + pd.Timedelta(weeks=WEEKS))
    grid = pd.MultiIndex.from_product([list(_ACTIVITY), days], names=["participant_id", "day"]).to_frame(index=False)
    counts = post_days.assign(engagement=_engagement(post_days)).groupby(["participant_id", "day"]).agg(
        posts=("is_reply", "size"), engagements=("engagement", "sum")).reset_index()
    grid = grid.merge(counts, on=["participant_id", "day"], how="left").fillna({"posts": 0, "engagements": 0})
    grid["impressions"] = grid["posts"] * 100.0
    grid["new_follows"] = grid["posts"]
    long = grid.melt(id_vars=["participant_id", "day"], value_vars=["posts", "impressions", "engagements",
                                                                    "new_follows"],
                     var_name="metric", value_name="value")
    long.insert(0, "pilot_id", PILOT)
    long["platform"] = "x"
    long["account"] = long["participant_id"].str.replace("P-", "Cllr", regex=False)
    long["date"] = long.pop("day").dt.date
    long["value"] = long["value"].astype(float)
    long["source_file"] = "demo/metrics/daily.csv"
    long["source_row"] = np.arange(2, len(long) + 2)
    return long[["pilot_id", "source_file", "source_row", "participant_id", "platform", "account",
                 "date", "metric", "value"]]


def _engagement(post_days: pd.DataFrame) -> np.ndarray:
    cohort_after = post_days["participant_id"].isin(_COHORT) & (post_days["period"] == "after")
    return np.where(cohort_after, 6.0, 4.0)


def _posts(post_days: pd.DataFrame) -> pd.DataFrame:
    n = len(post_days)
    return pd.DataFrame({
        "pilot_id": PILOT,
        "source_file": "demo/metrics/posts.csv",
        "source_row": np.arange(2, n + 2),
        "participant_id": post_days["participant_id"].astype("object"),
        "platform": "x",
        "account": post_days["participant_id"].str.replace("P-", "Cllr", regex=False).astype("object"),
        "post_id": [str(1_800_000_000_000_000_000 + i) for i in range(n)],
        "timestamp": (post_days["day"] + pd.Timedelta(hours=12)).dt.tz_localize(ZONE),
        "text": np.where(post_days["is_reply"], "@resident thanks for asking", "Surgery this Saturday"),
        "is_reply": post_days["is_reply"].astype(bool),
        "impressions": 100.0,
        "engagements": _engagement(post_days),
        "likes": np.nan, "reposts": np.nan, "replies": np.nan,
    })


def example_tables() -> dict[str, pd.DataFrame]:
    """The canonical tables of the made-up ``demo`` pilot (see the module notes).

    Returns
    -------
    dict of str → pandas.DataFrame
        ``sessions, participants, attendance, responses, metrics, posts``; new frames on every
        call, so changing them is safe.
    """
    post_days = _post_days()
    return {
        "sessions": _sessions(),
        "participants": _participants(),
        "attendance": _attendance(),
        "responses": _responses(),
        "metrics": _metrics(post_days),
        "posts": _posts(post_days),
    }
