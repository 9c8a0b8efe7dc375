"""Reports: the per-pilot and cross-pilot report builders, safe HTML, and rendering.

``PilotReport`` and ``CrossPilotReport`` are imported on first use, so importing
``evalkit.report`` (as the command line does) stays light.

>>> from evalkit.report import PilotReport
>>> PilotReport.__name__
'PilotReport'
"""

from __future__ import annotations

__all__ = ["CrossPilotReport", "PilotReport"]


def __getattr__(name: str):
    if name == "PilotReport":
        from .pilot import PilotReport

        return PilotReport
    if name == "CrossPilotReport":
        from .cross import CrossPilotReport

        return CrossPilotReport
    raise AttributeError(f"module 'evalkit.report' has no attribute '{name}'")
