"""evalkit: evaluate training pilots for councillors learning to use social media.

The public surface is deliberately small:

* :func:`read` one export file into canonical tables (``.format``, ``.tables``, ``.fates``);
* :func:`load_programme` to read and check a programme folder's ``programme.yml``;
* :mod:`evalkit.schemas` for the canonical tables and their validation.
"""

from .programme import Programme, ProgrammeError, load_programme
from .readers import InputError, Reading, UnsupportedFormat, read

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "Programme",
    "ProgrammeError",
    "Reading",
    "UnsupportedFormat",
    "__version__",
    "load_programme",
    "read",
]
