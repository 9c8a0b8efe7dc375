"""X Premium analytics exports (2024 onwards), written as X writes them.

``account_overview_analytics.csv``: one row per day, newest first, dates like
``"Fri, Mar 21, 2025"`` (day not zero-padded), plain counts, minimal quoting, no final
newline. ``account_analytics_content_<from>_<to>.csv``: one row per post, a date but no
time, post texts with HTML entities, minimal quoting. Neither names the account in a
header; the sample keeps them in ``metrics/<handle>/``.

>>> import numpy as np, pandas as pd, tempfile, pathlib
>>> daily = pd.DataFrame({"person_key": ["SOL-03"], "date": [pd.Timestamp("2025-03-01")],
...     "impressions": [120], "likes": [1], "engagements": [3], "new_follows": [0], "unfollows": [0],
...     "replies": [0], "reposts": [0], "posts": [1]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "account_overview_analytics.csv"
>>> written = write_x_account_overview(path, source_file="solihull/metrics/CllrAmyPatel/" + path.name,
...                                    account="CllrAmyPatel", daily=daily, rng=np.random.default_rng(1))
>>> path.read_text().splitlines()[1][:30]
'"Sat, Mar 1, 2025",120,1,3,0,0'
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import Written
from .x_classic import (TIMEZONE, _REPLY, _as_floats, _check_ids, _fates, _floats, _metric_rows, _whole,
                        _whole_text, consistent_texts)

__all__ = ["write_x_account_content", "write_x_account_overview", "x_date"]

_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

#: overview columns: (header, daily column / metric)
_OVERVIEW = [
    ("Impressions", "impressions"),
    ("Likes", "likes"),
    ("Engagements", "engagements"),
    ("Bookmarks", "bookmarks"),
    ("Shares", "shares"),
    ("New follows", "new_follows"),
    ("Unfollows", "unfollows"),
    ("Replies", "replies"),
    ("Reposts", "reposts"),
    ("Profile visits", "profile_visits"),
    ("Create Post", "posts"),
    ("Video views", "video_views"),
    ("Media views", "media_views"),
]
#: content columns after Post id, Date, Post text, Post Link: (header, expected name, input names)
_CONTENT = [
    ("Impressions", "impressions", ("impressions",)),
    ("Likes", "likes", ("likes",)),
    ("Engagements", "engagements", ("engagements",)),
    ("Bookmarks", "bookmarks", ("bookmarks",)),
    ("Shares", "shares", ("shares",)),
    ("New follows", "new_follows", ("new_follows",)),
    ("Replies", "replies", ("replies",)),
    ("Reposts", "reposts", ("reposts",)),
    ("Profile visits", "profile_visits", ("profile_visits", "profile_clicks")),
    ("Detail Expands", "detail_expands", ("detail_expands",)),
    ("URL Clicks", "link_clicks", ("link_clicks", "url_clicks")),
    ("Hashtag Clicks", "hashtag_clicks", ("hashtag_clicks",)),
    ("Permalink Clicks", "permalink_clicks", ("permalink_clicks",)),
]


def x_date(day) -> str:
    """A date as X Premium writes it (English names, day not zero-padded).

    >>> import datetime as dt
    >>> x_date(dt.date(2025, 3, 1))
    'Sat, Mar 1, 2025'
    """
    return f"{_DAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _x_dates(days) -> np.ndarray:
    """:func:`x_date` of every ``datetime.date`` in ``days`` (vectorised)."""
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(days), dtype="object")))
    weekday = np.asarray(_DAYS, dtype=object)[stamps.day_of_week.to_numpy()]
    month = np.asarray(_MONTHS, dtype=object)[stamps.month.to_numpy() - 1]
    return (weekday + ", " + month + " " + stamps.day.to_numpy().astype(str).astype(object) + ", "
            + stamps.year.to_numpy().astype(str).astype(object))


def _cells(texts: pd.Series) -> pd.Series:
    """Texts as CSV cells with minimal quoting: quoted (quotes doubled) only when they hold a
    comma, a quote or a line break."""
    texts = texts.astype(object).reset_index(drop=True)
    needs = texts.str.contains('[,"\n\r]', regex=True)
    return ('"' + texts.str.replace('"', '""') + '"').where(needs, texts)


def write_x_account_overview(path: Path, *, source_file: str, account: str, daily: pd.DataFrame,
                             rng: np.random.Generator) -> Written:
    """Write an X Premium account overview; return the metrics a perfect reader gets back.

    ``daily``: ``person_key, date, impressions, likes, engagements, bookmarks, shares,
    new_follows, unfollows, replies, reposts, profile_visits, posts`` ("Create Post"),
    ``video_views, media_views``. Of these, ``bookmarks, shares, profile_visits,
    video_views, media_views`` are drawn with ``rng`` when absent. A missing value is an
    empty cell and gives no metric row.
    """
    account = account.lstrip("@")
    frame = daily.copy()
    frame["date"] = pd.to_datetime(pd.Series(list(frame["date"]), dtype="object")).dt.date
    if frame["date"].duplicated().any():
        raise ValueError("daily has a date twice")
    frame = frame.sort_values("date", ascending=False, kind="stable").reset_index(drop=True)
    n = len(frame)
    likes = frame["likes"].astype(float).fillna(0).to_numpy().astype(np.int64)
    impressions = frame["impressions"].astype(float).fillna(0).to_numpy().astype(np.int64)
    drawn = {
        "bookmarks": rng.binomial(likes, 0.05),
        "shares": rng.binomial(likes, 0.03),
        "profile_visits": rng.binomial(impressions, 0.004),
        "video_views": rng.binomial(impressions, 0.01 * (rng.random(n) < 0.2)),
        "media_views": rng.binomial(impressions, 0.03),
    }
    for column, values in drawn.items():
        if column not in frame.columns:
            frame[column] = values
    missing = [m for _, m in _OVERVIEW if m not in frame.columns]
    if missing:
        raise ValueError(f"daily lacks column(s): {', '.join(missing)}")
    names = [name for _, name in _OVERVIEW]
    numbers = np.empty((n, len(names)))
    cells = [pd.Series('"' + _x_dates(frame["date"]) + '"', dtype=object)]  # the date holds commas
    for j, name in enumerate(names):  # one column at a time
        numbers[:, j] = _whole(_as_floats(frame[name]))
        cells.append(pd.Series(_whole_text(numbers[:, j])))
    lines = ["Date," + ",".join(h for h, _ in _OVERVIEW)]
    if n:
        lines += cells[0].str.cat(cells[1:], sep=",").tolist()
    Path(path).write_bytes("\n".join(lines).encode("utf-8"))  # X leaves off the final newline
    fates = _fates([(1, "skipped-structure", None, "header row")] + [(k + 2, "kept", "metrics", None) for k in range(n)])
    quirks = ["newest first", "dates like 'Fri, Mar 21, 2025' (day not zero-padded)", "no final newline",
              "no account name in the file (folder metrics/<handle>/)", "no follower totals"]
    expected = _metric_rows(numbers, ~np.isnan(numbers), np.arange(2, n + 2), frame["date"], names,
                            frame["person_key"], source_file, "x", account)
    return Written(source_file, "x-account-overview", {"metrics": expected}, fates, quirks)


def write_x_account_content(path: Path, *, source_file: str, account: str, posts: pd.DataFrame,
                            rng: np.random.Generator) -> Written:
    """Write an X Premium content export; return the posts a perfect reader gets back.

    ``posts``: ``person_key, post_id`` (digits, as text), ``timestamp`` (tz-aware, or naive
    local time; only the local date is written) or ``date``, ``text``, ``is_reply``
    (optional), ``impressions, engagements, likes, reposts, replies``; optionally
    ``bookmarks, shares, new_follows, profile_visits`` (or ``profile_clicks``),
    ``detail_expands, link_clicks`` (or ``url_clicks``), ``hashtag_clicks,
    permalink_clicks`` — drawn with ``rng`` when absent. The expected ``timestamp`` is
    local midnight of the date, with ``date_only`` true.
    """
    account = account.lstrip("@")
    frame = posts.copy().reset_index(drop=True)
    frame["post_id"] = _check_ids(frame["post_id"])
    if "date" in frame.columns:
        days = pd.to_datetime(pd.Series(list(frame["date"]), dtype="object")).dt.date
    else:
        times = pd.to_datetime(pd.Series(list(frame["timestamp"]), dtype="object"))
        days = (times.dt.tz_convert(TIMEZONE) if times.dt.tz is not None else times).dt.date
    frame["day"] = days
    replies = frame["is_reply"] if "is_reply" in frame.columns else frame["text"].astype(str).str.match(_REPLY)
    frame["text"] = consistent_texts(frame["text"], replies, rng)
    frame = frame.sort_values(["day", "post_id"], ascending=False, kind="stable").reset_index(drop=True)
    n = len(frame)
    engagements = frame["engagements"].astype(float).fillna(0).to_numpy().astype(np.int64)
    drawn = {
        "bookmarks": rng.binomial(frame["likes"].astype(float).fillna(0).to_numpy().astype(np.int64), 0.05),
        "shares": rng.binomial(frame["likes"].astype(float).fillna(0).to_numpy().astype(np.int64), 0.03),
        "new_follows": rng.binomial(1, 0.05, n),
        "profile_visits": rng.binomial(engagements, 0.1),
        "detail_expands": rng.binomial(engagements, 0.3),
        "link_clicks": rng.binomial(engagements, 0.05),
        "hashtag_clicks": np.zeros(n, dtype=np.int64),
        "permalink_clicks": np.zeros(n, dtype=np.int64),
    }
    values = {}
    for _, name, sources in _CONTENT:
        found = next((s for s in sources if s in frame.columns), None)
        if found is not None:
            values[name] = frame[found]
        elif name in drawn:
            values[name] = pd.Series(drawn[name])
        else:
            raise ValueError(f"posts lacks column {name}")
    urls = ("https://x.com/" + account + "/status/" + frame["post_id"].astype(str)).tolist()
    texts = frame["text"].astype(str)
    cells = [frame["post_id"].astype(str), pd.Series('"' + _x_dates(frame["day"]) + '"', dtype=object),
             _cells(texts.str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")),
             pd.Series(urls, dtype=object)]
    for _, name, _ in _CONTENT:  # one column at a time
        cells.append(pd.Series(_whole_text(_whole(_as_floats(values[name])))))
    lines = ["Post id,Date,Post text,Post Link," + ",".join(h for h, _, _ in _CONTENT)]
    if n:
        lines += cells[0].str.cat([c.reset_index(drop=True) for c in cells[1:]], sep=",").tolist()
    spans = 1 + texts.str.count("\n").to_numpy(dtype=np.int64)
    rows = (2 + np.concatenate([[0], np.cumsum(spans)[:-1]])).tolist() if n else []
    Path(path).write_bytes(("\n".join(lines) + "\n").encode("utf-8"))

    midnight = pd.Series(pd.to_datetime(pd.Series(list(frame["day"]), dtype="object")))
    stamps = midnight.dt.tz_localize(TIMEZONE, ambiguous=np.ones(n, dtype=bool), nonexistent="shift_forward")
    main = ("impressions", "engagements", "likes", "reposts", "replies")
    expected = pd.DataFrame({
        "source_file": pd.Series([source_file] * n, dtype="object"),
        "source_row": pd.array(rows, dtype="Int64"),
        "platform": pd.Series(["x"] * n, dtype="object"),
        "account": pd.Series([account] * n, dtype="object"),
        "post_id": frame["post_id"].astype("object"),
        "timestamp": stamps,
        "text": frame["text"].astype("object"),
        "is_reply": frame["text"].str.match(_REPLY).astype(bool),
        **{name: _floats(values[name]) for name in main},
        "url": pd.Series(urls, dtype="object"),
        **{name: _floats(values[name]) for _, name, _ in _CONTENT if name not in main},
        "date_only": np.ones(n, dtype=bool),
        "person_key": frame["person_key"].astype("object"),
    })
    fates = _fates([(1, "skipped-structure", None, "header row")] + [(r, "kept", "posts", None) for r in rows])
    quirks = ["date only, no time", "minimal quoting", "newest first"]
    if frame["text"].str.contains("\n").any():
        quirks.append("raw line breaks inside post text")
    if frame["text"].str.contains(r"[&<>]").any():
        quirks.append("HTML entities in post text")
    return Written(source_file, "x-account-content", {"posts": expected}, fates, quirks)
