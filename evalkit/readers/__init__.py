"""One reader per real export format, chosen from the file's content.

>>> from evalkit.readers import FORMATS
>>> "teams-attendance-report" in FORMATS
True
"""

from __future__ import annotations

import importlib
from pathlib import Path

from .base import Context, InputError, Reading, Sniff, UnsupportedFormat, sniff

__all__ = ["FORMATS", "Context", "InputError", "Reading", "UnsupportedFormat", "batched", "detect", "read",
           "read_batch"]

#: reader modules in detection order (more specific formats first). Each module has
#: ``FORMATS`` (format name → description), ``detect(sniff) -> format name or None`` and
#: ``read(path, context, format) -> Reading``; a module may also have
#: ``read_batch(paths, contexts, format) -> list[Reading | None]`` (see :func:`read_batch`).
_MODULES = [
    "teams",
    "teams_legacy",
    "zoom",
    "eventbrite",
    "x_classic",
    "x_premium",
    "facebook",
    "meta_suite",
    "surveymonkey",
    "ms_forms",
    "google_forms",
    "paper",
    "register",
]


def _available() -> dict[str, object]:
    found = {}
    for module_name in _MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{module_name}":
                raise
            continue
        for name in module.FORMATS:
            found[name] = module
    return found


#: format name → reader module
FORMATS: dict[str, object] = _available()


def detect(path: Path | str) -> str:
    """The format name of the file at ``path``, decided from its content.

    Raises
    ------
    UnsupportedFormat
        When no reader recognises the content.
    InputError
        When the file is missing, empty or damaged.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file")
    if path.stat().st_size == 0:
        raise InputError(path, "the file is empty")
    head = sniff(path)
    for module in dict.fromkeys(FORMATS.values()):
        name = module.detect(head)
        if name:
            return name
    detail = "binary data, not text" if not head.is_xlsx and head.encoding is None else ""
    raise UnsupportedFormat(path, FORMATS, detail)


def read(path: Path | str, context: Context | None = None, *, format: str | None = None) -> Reading:
    """Read one export file into canonical tables.

    Parameters
    ----------
    path
        The file.
    context
        Programme knowledge (time zone, sessions, item map); defaults suit a file on its own.
    format
        Skip detection and read the file as this format (a pin in ``programme.yml``).

    Raises
    ------
    UnsupportedFormat
        Naming the file and the formats tried.
    InputError
        Naming file, row, column and value where they apply.
    """
    path = Path(path)
    context = context or Context()
    name = format or detect(path)
    if name not in FORMATS:
        raise UnsupportedFormat(path, FORMATS, f"unknown format '{name}'")
    return FORMATS[name].read(path, context, name)


def batched(format: str) -> bool:
    """Whether the reader of ``format`` reads many files of it at once (:func:`read_batch`)."""
    return hasattr(FORMATS.get(format), "read_batch")


def read_batch(paths: list[Path], contexts: list[Context], format: str) -> list[Reading | None]:
    """Read many files of one format at once, as :func:`read` reads each (the same
    readings), where the format's reader can share work between them: for each file its
    reading, or ``None`` where the file must be read on its own with :func:`read` (it is not
    plainly regular, or not like the others). A reader without a batch lane gives ``None``
    for every file.
    """
    reader = getattr(FORMATS.get(format), "read_batch", None)
    if reader is None or not paths:
        return [None] * len(paths)
    return reader([Path(p) for p in paths], list(contexts), format)
