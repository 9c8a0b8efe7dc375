"""The ``evalkit`` command.

Subcommands: ``sample`` (write the sample programme), ``formats`` (list the export formats
evalkit reads), ``read`` (one file), ``validate`` and ``clean`` (a programme folder).
Exit codes: 0 clean; 1 finished but some rows quarantined; 2 an input or the programme
could not be used (the message says which, and why).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_QUARANTINED, EXIT_UNUSABLE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_UNUSABLE
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("evalkit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure is one clear line, never a traceback
        if getattr(args, "debug", False):
            raise
        from .programme import ProgrammeError
        from .readers import InputError, UnsupportedFormat

        if isinstance(exc, (ProgrammeError, InputError, UnsupportedFormat, FileExistsError)):
            print(f"evalkit: {exc}", file=sys.stderr)
        else:
            print(f"evalkit: unexpected error: {type(exc).__name__}: {exc} "
                  "(run again with --debug for details)", file=sys.stderr)
        return EXIT_UNUSABLE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evalkit",
        description="Evaluate training pilots for councillors learning to use social media.",
    )
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("sample", help="write the bundled sample programme (raw files and truth)")
    p.add_argument("out", type=Path, help="folder to write (created; a previous sample there is replaced)")
    p.add_argument("--seed", type=int, default=2010, help="random seed (default 2010, the bundled sample)")
    p.add_argument("--areas", type=int,
                   help="write a national roll-out of this many areas instead of the four-pilot sample")
    p.add_argument("--years", type=float, default=2.0,
                   help="years of daily social-media metrics per account in a roll-out (default 2)")
    p.set_defaults(run=_sample)

    p = sub.add_parser("formats", help="list the export formats evalkit reads")
    p.set_defaults(run=_formats)

    p = sub.add_parser("read", help="read one export file and show what it yields")
    p.add_argument("file", type=Path)
    p.add_argument("--out", type=Path, help="write its tables as Parquet into this folder")
    p.add_argument("--format", help="read as this format instead of detecting it")
    p.add_argument("--timezone", default="Europe/London", help="time zone of naive times (default Europe/London)")
    p.add_argument("--date-order", choices=["auto", "day-first", "month-first"], default="auto",
                   help="how to read dates like 03/04/22 when the file does not decide (default auto)")
    p.set_defaults(run=_read)

    p = sub.add_parser("validate", help="check a programme folder without writing tables")
    p.add_argument("programme", type=Path)
    p.add_argument("--detail", action="store_true", help="list every file and every decision")
    p.set_defaults(run=_validate)

    p = sub.add_parser("clean", help="clean a programme folder into canonical Parquet tables")
    p.add_argument("programme", type=Path)
    p.add_argument("--out", type=Path, help="output folder (default build/<programme>/clean)")
    p.add_argument("--jobs", type=int, help="files read at once in separate processes (default: all cores)")
    p.set_defaults(run=_clean)

    p = sub.add_parser("report", help="render the programme's reports (cleaning first when needed)")
    p.add_argument("programme", type=Path)
    p.add_argument("--pilots", help="comma-separated pilot ids (default: all)")
    p.add_argument("--audience", choices=["commissioner", "evaluator"], default="commissioner",
                   help="commissioner (default: no personal data) or evaluator (participant detail)")
    p.add_argument("--formats", default="html",
                   help="comma-separated: html (always), pdf, xlsx (default html)")
    p.add_argument("--jobs", type=int, help="notebooks rendered at once (default: all cores)")
    p.add_argument("--out", type=Path, help="output folder (default reports/<programme>/)")
    p.add_argument("--clean-dir", type=Path, help="clean tables (default build/<programme>/clean)")
    p.add_argument("--force", action="store_true", help="render even what has not changed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_report)
    return parser


def _sample(args) -> int:
    if args.areas is not None:
        from tqdm import tqdm

        from .sample.rollout import generate_rollout

        if args.areas < 1:
            print("evalkit: --areas must be at least 1", file=sys.stderr)
            return EXIT_UNUSABLE
        with tqdm(total=args.areas, desc="writing areas", unit="area", file=sys.stderr) as bar:
            def progress(done, total, name):
                bar.set_postfix_str(name)
                bar.update(done - bar.n)

            generate_rollout(args.out, areas=args.areas, seed=args.seed, years=args.years, progress=progress)
        print(f"wrote a roll-out of {args.areas} areas to {args.out} (seed {args.seed})")
        return EXIT_OK
    from .sample.generate import generate

    generate(args.out, seed=args.seed)
    print(f"wrote the sample programme to {args.out} (seed {args.seed})")
    return EXIT_OK


def _formats(args) -> int:
    from .readers import FORMATS

    width = max(len(n) for n in FORMATS)
    for name, module in FORMATS.items():
        print(f"{name:<{width}}  {module.FORMATS[name]}")
    return EXIT_OK


def _read(args) -> int:
    import pandas as pd

    from .readers import Context, read

    context = Context(timezone=args.timezone, date_order=args.date_order, source_file=args.file.name)
    reading = read(args.file, context, format=args.format)
    print(reading.summary())
    with pd.option_context("display.width", 160, "display.max_columns", 12):
        for name, table in reading.tables.items():
            if len(table):
                print(f"\n{name} (first rows):")
                print(table.head(5).to_string(index=False))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, table in reading.tables.items():
            table.to_parquet(args.out / f"{name}.parquet", index=False)
        reading.fates.to_parquet(args.out / "row_fates.parquet", index=False)
        print(f"\nwrote {len(reading.tables) + 1} table(s) to {args.out}")
    quarantined = (reading.fates["fate"] == "quarantined").any()
    return EXIT_QUARANTINED if quarantined else EXIT_OK


def _validate(args) -> int:
    from .pipeline import clean_programme, summary_markdown

    result = clean_programme(args.programme)
    print(summary_markdown(result, detail=args.detail))
    return result.exit_code


def _clean(args) -> int:
    from .pipeline import clean_programme, summary_markdown
    from .programme import load_programme

    out = args.out or Path("build") / load_programme(args.programme).slug / "clean"
    result = clean_programme(args.programme, out=out, jobs=args.jobs)
    print(summary_markdown(result, detail=False))
    print(f"wrote the clean tables to {out}; every file and decision is in {out / 'summary.md'}")
    return result.exit_code


def _report(args) -> int:
    from .report.browser import ChromiumMissing
    from .report.render import render_programme

    formats = tuple(dict.fromkeys(["html", *[f.strip() for f in args.formats.split(",") if f.strip()]]))
    pilots = [p.strip() for p in args.pilots.split(",")] if args.pilots else None
    try:
        result = render_programme(
            args.programme, pilots=pilots, audience=args.audience, formats=formats, jobs=args.jobs,
            out=args.out, clean_dir=args.clean_dir, force=args.force, progress=not args.quiet,
        )
    except (ChromiumMissing, ValueError, KeyError, RuntimeError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"evalkit: {message}", file=sys.stderr)
        return EXIT_UNUSABLE
    for r in result.results:
        print(f"  {r.describe()}")
    if result.failures:
        print(f"\n{len(result.failures)} report(s) failed; the others are in {result.out_dir}", file=sys.stderr)
        for r in result.failures:
            print(f"  - {r.describe()}", file=sys.stderr)
    print(f"\nindex: {result.index}")
    return EXIT_QUARANTINED if result.failures else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
