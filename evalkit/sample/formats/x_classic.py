"""X/Twitter classic analytics exports, written as the old analytics site wrote them.

Per tweet (``tweet_activity_metrics_<handle>_<start>_<end>_en.csv``): UTF-8, every field
quoted, newest first, times like ``2021-08-31 19:53 +0000``, the main counts written
``89.0`` and the rarer ones ``0``, engagement rates as Java prints doubles (so small ones
in E-notation, ``7.874015748031496E-4``), tweet texts with HTML entities and raw line
breaks, ``promoted …`` columns holding ``-``; older files say ``favorites``.

Per day (``daily_tweet_activity_metrics_<handle>_<start>_<end>_en.csv``): the same
style, ``YYYY-MM-DD`` dates, oldest first.

>>> import numpy as np, pandas as pd
>>> posts = pd.DataFrame({"person_key": ["SUF-07"], "post_id": ["1573372036854775807"],
...     "timestamp": [pd.Timestamp("2022-09-23 15:30", tz="UTC")], "text": ["Q&A <tonight>"],
...     "is_reply": [False], "impressions": [1270], "engagements": [1], "likes": [1], "reposts": [0],
...     "replies": [0], "profile_clicks": [0], "url_clicks": [0]})
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tweet_activity_metrics_CllrJaneSmith_20220901_20221001_en.csv"
>>> written = write_x_tweet_activity(path, source_file="suffolk/metrics/" + path.name, handle="CllrJaneSmith",
...                                  posts=posts, rng=np.random.default_rng(1))
>>> path.read_text().splitlines()[1][:122]
'"1573372036854775807","https://twitter.com/CllrJaneSmith/status/1573372036854775807","Q&amp;A &lt;tonight&gt;","2022-09-23'
>>> java_double(1 / 1270)
'7.874015748031496E-4'
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import Written

__all__ = ["java_double", "write_x_daily_activity", "write_x_tweet_activity"]

TIMEZONE = "Europe/London"

#: per-tweet columns after the four post columns: (header, expected name, written with ".0")
_TWEET_COUNTS = [
    ("impressions", "impressions", True),
    ("engagements", "engagements", True),
    ("engagement rate", "engagement_rate", None),
    ("retweets", "reposts", True),
    ("replies", "replies", True),
    ("likes", "likes", True),
    ("user profile clicks", "profile_visits", True),
    ("url clicks", "link_clicks", True),
    ("hashtag clicks", "hashtag_clicks", True),
    ("detail expands", "detail_expands", True),
    ("permalink clicks", "permalink_clicks", True),
    ("app opens", "app_opens", False),
    ("app installs", "app_installs", False),
    ("follows", "new_follows", False),
    ("email tweet", "email_tweet", False),
    ("dial phone", "dial_phone", False),
    ("media views", "media_views", False),
    ("media engagements", "media_engagements", False),
]
_DAILY_COUNTS = [
    ("Tweets published", "posts"),
    ("impressions", "impressions"),
    ("engagements", "engagements"),
    ("engagement rate", "engagement_rate"),
    ("retweets", "reposts"),
    ("replies", "replies"),
    ("likes", "likes"),
    ("user profile clicks", "profile_visits"),
    ("url clicks", "link_clicks"),
    ("hashtag clicks", "hashtag_clicks"),
    ("detail expands", "detail_expands"),
    ("permalink clicks", "permalink_clicks"),
    ("app opens", "app_opens"),
    ("app installs", "app_installs"),
    ("follows", "new_follows"),
    ("email tweet", "email_tweet"),
    ("dial phone", "dial_phone"),
    ("media views", "media_views"),
    ("media engagements", "media_engagements"),
]
_PROMOTED = [
    "promoted impressions", "promoted engagements", "promoted engagement rate", "promoted retweets",
    "promoted replies", "promoted likes", "promoted user profile clicks", "promoted url clicks",
    "promoted hashtag clicks", "promoted detail expands", "promoted permalink clicks", "promoted app opens",
    "promoted app installs", "promoted follows", "promoted email tweet", "promoted dial phone",
    "promoted media views", "promoted media engagements",
]
_REPLY = re.compile(r"^@[A-Za-z0-9_]+")
_OTHERS = ["SuffolkCC", "SuffolkHighways", "EastSuffolkDC", "BBCSuffolk", "IpswichStar", "MidSuffolkDC"]


def java_double(value: float) -> str:
    """A double as Java's ``Double.toString`` writes it (how the classic exports wrote rates):
    ``0.0``, ``0.04``, ``7.874015748031496E-4``. Parses back to exactly ``value``.

    >>> java_double(0.0), java_double(0.04), java_double(1e-4), java_double(23 / 412)
    ('0.0', '0.04', '1.0E-4', '0.055825242718446605')
    """
    value = float(value)
    if value == 0:
        return "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text or "e" in text else text + ".0"
    mantissa, exponent = np.format_float_scientific(value, unique=True, trim="0").split("e")
    return f"{mantissa}E{int(exponent)}"


def _quoted(cells: list[str]) -> str:
    return ",".join('"' + str(c).replace('"', '""') + '"' for c in cells)


def _fates(rows: list[tuple[int, str, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame({
        "source_row": pd.array([r[0] for r in rows], dtype="Int64"),
        "fate": pd.Series([r[1] for r in rows], dtype="object"),
        "table": pd.Series([r[2] for r in rows], dtype="object"),
        "reason": pd.Series([r[3] for r in rows], dtype="object"),
    })


def consistent_texts(texts: pd.Series, is_reply: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Texts that tell replies by the only rule the exports allow (a reply starts with an
    ``@handle``): a reply that does not gets the handle it answers put in front; a post
    that starts with a handle gets the ``.@`` that people used to make it a post."""
    texts = pd.Series(texts, dtype="object").fillna("").astype(str).str.replace("\r\n", "\n").str.replace("\r", "\n")
    starts = texts.str.match(_REPLY)
    replies = pd.Series(is_reply, dtype="object").fillna(False).astype(bool).to_numpy()
    out = texts.copy()
    need_handle = replies & ~starts.to_numpy()
    if need_handle.any():
        handles = rng.choice(_OTHERS, size=int(need_handle.sum()))
        out[need_handle] = [f"@{h} {t}" for h, t in zip(handles, texts[need_handle])]
    need_dot = ~replies & starts.to_numpy()
    out[need_dot] = "." + texts[need_dot]
    return out


def _utc_minutes(times: pd.Series) -> pd.Series:
    values = pd.to_datetime(pd.Series(list(times), dtype="object"))
    if values.dt.tz is None:  # naive times are local times (the writers' convention)
        values = values.dt.tz_localize(TIMEZONE, ambiguous=np.ones(len(values), dtype=bool),
                                       nonexistent="shift_forward")
    return values.dt.tz_convert("UTC").dt.floor("min")


def _check_ids(ids: pd.Series) -> pd.Series:
    ids = pd.Series(ids, dtype="object").astype(str).str.strip()
    bad = ~ids.str.fullmatch(r"\d{1,20}")
    if bad.any():
        raise ValueError(f"post ids must be digits (a 64-bit tweet id as text): {ids[bad].iloc[0]!r}")
    return ids


def write_x_tweet_activity(path: Path, *, source_file: str, handle: str, posts: pd.DataFrame,
                           legacy_favorites: bool = False, rng: np.random.Generator) -> Written:
    """Write a classic per-tweet export; return the posts a perfect reader gets back.

    ``posts``: ``person_key, post_id`` (digits, as text), ``timestamp`` (tz-aware; naive
    means local time), ``text, is_reply, impressions, engagements, likes, reposts,
    replies, profile_clicks, url_clicks``. The other counts of the export (hashtag clicks,
    detail expands, media views, …) are drawn with ``rng``. Texts are made to follow the
    reply rule (see :func:`consistent_texts`); the expected texts are the written ones.
    """
    handle = handle.lstrip("@")
    frame = posts.copy().reset_index(drop=True)
    frame["post_id"] = _check_ids(frame["post_id"])
    frame["timestamp"] = _utc_minutes(frame["timestamp"])
    frame["text"] = consistent_texts(frame["text"], frame["is_reply"], rng)
    frame = frame.sort_values(["timestamp", "post_id"], ascending=False, kind="stable").reset_index(drop=True)
    n = len(frame)
    engagements = frame["engagements"].astype(float).fillna(0).to_numpy()
    impressions = frame["impressions"].astype(float).fillna(0).to_numpy()
    media_views = rng.binomial(np.maximum(impressions, 0).astype(np.int64), 0.02 * (rng.random(n) < 0.3))
    counts = {
        "impressions": frame["impressions"], "engagements": frame["engagements"],
        "engagement_rate": pd.Series(np.where(impressions > 0, engagements / np.where(impressions > 0, impressions, 1),
                                              0.0)),
        "reposts": frame["reposts"], "replies": frame["replies"], "likes": frame["likes"],
        "profile_visits": frame["profile_clicks"], "link_clicks": frame["url_clicks"],
        "hashtag_clicks": pd.Series(rng.binomial(engagements.astype(np.int64), 0.03)),
        "detail_expands": pd.Series(rng.binomial(engagements.astype(np.int64), 0.2)),
        "permalink_clicks": pd.Series(np.zeros(n, dtype=np.int64)),
        "app_opens": pd.Series(np.zeros(n, dtype=np.int64)),
        "app_installs": pd.Series(np.zeros(n, dtype=np.int64)),
        "new_follows": pd.Series(rng.binomial(1, 0.05, n)),
        "email_tweet": pd.Series(np.zeros(n, dtype=np.int64)),
        "dial_phone": pd.Series(np.zeros(n, dtype=np.int64)),
        "media_views": pd.Series(media_views),
        "media_engagements": pd.Series(rng.binomial(media_views, 0.3)),
    }
    header = ["Tweet id", "Tweet permalink", "Tweet text", "time"] + [
        "favorites" if (legacy_favorites and h == "likes") else h for h, _, _ in _TWEET_COUNTS
    ] + [p.replace("likes", "favorites") if legacy_favorites else p for p in _PROMOTED]
    urls = "https://twitter.com/" + handle + "/status/" + frame["post_id"].astype(str)
    ids = frame["post_id"].astype(str).to_numpy(dtype=object)
    texts = frame["text"].astype(str)
    escaped = texts.str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")
    cells = [pd.Series(ids).str.replace('"', '""'),
             ("https://twitter.com/" + handle.replace('"', '""') + "/status/" + pd.Series(ids).str.replace('"', '""')),
             escaped.str.replace('"', '""').reset_index(drop=True),
             frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M +0000").reset_index(drop=True)]
    for _, name, decimal in _TWEET_COUNTS:  # one column at a time
        numbers = _as_floats(counts[name])
        if decimal is None:
            cells.append(pd.Series(_java_doubles(numbers)))
        else:
            text = _whole_text(_whole(numbers))
            if decimal:
                text = np.where(np.isnan(numbers), text, text + ".0")
            cells.append(pd.Series(text, dtype=object))
    cells += [pd.Series(["-"] * n, dtype=object)] * len(_PROMOTED)
    lines = [_quoted(header)]
    if n:
        lines += ('"' + cells[0].str.cat(cells[1:], sep='","') + '"').tolist()
    spans = 1 + texts.str.count("\n").to_numpy(dtype=np.int64)
    rows = (2 + np.concatenate([[0], np.cumsum(spans)[:-1]])).tolist() if n else []
    Path(path).write_bytes(("\n".join(lines) + "\n").encode("utf-8"))

    expected = pd.DataFrame({
        "source_file": pd.Series([source_file] * n, dtype="object"),
        "source_row": pd.array(rows, dtype="Int64"),
        "platform": pd.Series(["x"] * n, dtype="object"),
        "account": pd.Series([handle] * n, dtype="object"),
        "post_id": frame["post_id"].astype("object"),
        "timestamp": frame["timestamp"].dt.tz_convert(TIMEZONE),
        "text": frame["text"].astype("object"),
        "is_reply": frame["text"].str.match(_REPLY).astype(bool),
        **{k: _floats(counts[k]) for k in ("impressions", "engagements", "likes", "reposts", "replies")},
        "url": pd.Series(urls.to_numpy(dtype=object), dtype="object"),
        **{name: _floats(counts[name], whole=decimal is not None) for _, name, decimal in _TWEET_COUNTS
           if name not in ("impressions", "engagements", "likes", "reposts", "replies")},
        "person_key": frame["person_key"].astype("object"),
    })
    fates = _fates([(1, "skipped-structure", None, "header row")] + [(r, "kept", "posts", None) for r in rows])
    quirks = ["every field quoted", "newest first", "19-digit tweet ids", "counts written like 89.0",
              "promoted columns holding '-'"]
    if frame["text"].str.contains("\n").any():
        quirks.append("raw line breaks inside tweet text")
    if frame["text"].str.contains(r"[&<>]").any():
        quirks.append("HTML entities in tweet text")
    rate = 4 + [name for _, name, _ in _TWEET_COUNTS].index("engagement_rate")
    if cells[rate].str.contains("E").any():
        quirks.append("engagement rate in E-notation")
    if legacy_favorites:
        quirks.append("'favorites' instead of 'likes' (older export)")
    return Written(source_file, "x-tweet-activity", {"posts": expected}, fates, quirks)


def write_x_daily_activity(path: Path, *, source_file: str, handle: str, daily: pd.DataFrame,
                           rng: np.random.Generator) -> Written:
    """Write a classic per-day export; return the metrics a perfect reader gets back.

    ``daily``: ``person_key, date, posts, impressions, engagements, likes, reposts,
    replies, profile_visits, link_clicks, new_follows`` (the classic daily export has no
    follower total). The other counts are drawn with ``rng``. A missing value is written as
    an empty cell and gives no metric row.
    """
    handle = handle.lstrip("@")
    frame = daily.copy()
    frame["date"] = pd.to_datetime(pd.Series(list(frame["date"]), dtype="object")).dt.date
    if frame["date"].duplicated().any():
        raise ValueError("daily has a date twice")
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    n = len(frame)
    engagements = frame["engagements"].astype(float).fillna(0).to_numpy()
    impressions = frame["impressions"].astype(float).fillna(0).to_numpy()
    media_views = rng.binomial(np.maximum(impressions, 0).astype(np.int64), 0.01)
    values = {
        "posts": frame["posts"], "impressions": frame["impressions"], "engagements": frame["engagements"],
        "engagement_rate": pd.Series(np.where(impressions > 0, engagements / np.where(impressions > 0, impressions, 1),
                                              0.0)).where(frame["engagements"].notna() & frame["impressions"].notna()),
        "reposts": frame["reposts"], "replies": frame["replies"], "likes": frame["likes"],
        "profile_visits": frame["profile_visits"], "link_clicks": frame["link_clicks"],
        "hashtag_clicks": pd.Series(rng.binomial(engagements.astype(np.int64), 0.02)),
        "detail_expands": pd.Series(rng.binomial(engagements.astype(np.int64), 0.25)),
        "permalink_clicks": pd.Series(np.zeros(n, dtype=np.int64)),
        "app_opens": pd.Series(np.zeros(n, dtype=np.int64)),
        "app_installs": pd.Series(np.zeros(n, dtype=np.int64)),
        "new_follows": frame["new_follows"],
        "email_tweet": pd.Series(np.zeros(n, dtype=np.int64)),
        "dial_phone": pd.Series(np.zeros(n, dtype=np.int64)),
        "media_views": pd.Series(media_views),
        "media_engagements": pd.Series(rng.binomial(media_views, 0.4)),
    }
    names = [name for _, name in _DAILY_COUNTS]
    # one column at a time: the numbers a reader gets back (counts whole) and the text written
    numbers = np.empty((n, len(names)))
    cells = [pd.Series(_iso_dates(frame["date"]))]
    for j, name in enumerate(names):
        raw = _as_floats(values[name])
        if name == "engagement_rate":
            numbers[:, j] = raw
            cells.append(pd.Series(_java_doubles(raw)))
        else:
            numbers[:, j] = _whole(raw)
            cells.append(pd.Series(_whole_text(numbers[:, j])))
    cells += [pd.Series(["-"] * n, dtype=object)] * len(_PROMOTED)
    lines = [_quoted(["Date"] + [h for h, _ in _DAILY_COUNTS] + _PROMOTED)]
    if n:
        lines += ('"' + cells[0].str.cat(cells[1:], sep='","') + '"').tolist()
    Path(path).write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    expected = _metric_rows(numbers, ~np.isnan(numbers), np.arange(2, n + 2), frame["date"], names,
                            frame["person_key"], source_file, "x", handle)
    fates = _fates([(1, "skipped-structure", None, "header row")] + [(k + 2, "kept", "metrics", None) for k in range(n)])
    quirks = ["every field quoted", "oldest first", "YYYY-MM-DD dates", "promoted columns holding '-'"]
    if any("E" in text for text in cells[1 + names.index("engagement_rate")] if text):
        quirks.append("engagement rate in E-notation")
    return Written(source_file, "x-daily-activity", {"metrics": expected}, fates, quirks)


def _as_floats(values) -> np.ndarray:
    """Numbers (any numeric or nullable dtype, or objects) as a float array, NaN for missing."""
    if isinstance(values, (pd.Series, np.ndarray)) and values.dtype.kind in "iuf":
        return np.asarray(values, dtype=float)
    series = pd.Series(values)
    if series.dtype == object:
        series = series.astype(float)
    return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _whole(numbers: np.ndarray) -> np.ndarray:
    """Counts rounded as ``int(round(x))`` rounds them (half to even), as floats; NaN stays."""
    return np.round(numbers) + 0.0


def _whole_text(numbers: np.ndarray) -> np.ndarray:
    """Whole numbers as digits (``89``), empty where missing."""
    missing = np.isnan(numbers)
    text = np.where(missing, 0, numbers).astype(np.int64).astype(str).astype(object)
    text[missing] = ""
    return text


def _java_doubles(numbers: np.ndarray) -> np.ndarray:
    """:func:`java_double` of every number (worked out once per distinct value), empty where missing."""
    missing = np.isnan(numbers)
    distinct, position = np.unique(np.where(missing, 0.0, numbers), return_inverse=True)
    text = np.array([java_double(v) for v in distinct], dtype=object)[position.reshape(-1)]
    text[missing] = ""
    return text


def _iso_dates(dates: pd.Series) -> np.ndarray:
    """``datetime.date`` values as ``YYYY-MM-DD``."""
    return np.array(list(dates), dtype="datetime64[D]").astype(str).astype(object)


def _metric_rows(numbers: np.ndarray, keep: np.ndarray, source_rows: np.ndarray, dates: pd.Series,
                 metrics: list[str], person_keys: pd.Series, source_file: str, platform: str,
                 account: str) -> pd.DataFrame:
    """Expected ``metrics`` rows from a day × metric matrix: one row per kept cell, in file order
    (day by day, and within a day column by column)."""
    day, column = np.nonzero(keep)
    count = len(day)
    return pd.DataFrame({
        "source_file": pd.Series([source_file] * count, dtype="object"),
        "source_row": pd.array(np.asarray(source_rows)[day], dtype="Int64"),
        "platform": pd.Series([platform] * count, dtype="object"),
        "account": pd.Series([account] * count, dtype="object"),
        "date": pd.Series(np.asarray(list(dates), dtype=object)[day], dtype="object"),
        "metric": pd.Series(np.asarray(metrics, dtype=object)[column], dtype="object"),
        "value": pd.Series(numbers[day, column], dtype=float),
        "person_key": pd.Series(np.asarray(list(person_keys), dtype=object)[day], dtype="object"),
    })


def _floats(values, whole: bool = True) -> pd.Series:
    """The numbers a reader gets back from written counts (whole numbers; NaN for blanks)."""
    if isinstance(values, (pd.Series, np.ndarray)) and values.dtype.kind in "iuf":
        numbers = np.asarray(values, dtype=float)
    else:
        numbers = np.asarray(pd.Series(values, dtype="object").astype(float), dtype=float)
    return pd.Series(np.round(numbers) if whole else numbers)


def _metrics(records: list[tuple], source_file: str, platform: str, account: str) -> pd.DataFrame:
    """Expected ``metrics`` rows from ``(source_row, date, metric, value, person_key)`` tuples."""
    return pd.DataFrame({
        "source_file": pd.Series([source_file] * len(records), dtype="object"),
        "source_row": pd.array([r[0] for r in records], dtype="Int64"),
        "platform": pd.Series([platform] * len(records), dtype="object"),
        "account": pd.Series([account] * len(records), dtype="object"),
        "date": pd.Series([r[1] for r in records], dtype="object"),
        "metric": pd.Series([r[2] for r in records], dtype="object"),
        "value": pd.Series([r[3] for r in records], dtype=float),
        "person_key": pd.Series([r[4] for r in records], dtype="object"),
    })
