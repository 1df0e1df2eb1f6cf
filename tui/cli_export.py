"""`mlreq export`: the form with its answers, for people and for other tools."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from mlreq.projects import InvalidInputError, Project
from mlreq.projects.atomic import write_output
from mlreq.projects.exports import BINARY_FORMATS, EXPORT_FORMATS, SUFFIXES
from mlreq.projects.safetext import visible

DESCRIPTION = """\
the form with its answers, for stakeholders and for other tools

formats:
  md     Markdown, one table per stage like the thesis' paper form (default)
  html   one self-contained page: progress per stage and role, filters, prints well
  csv    one row per question, every text exactly as saved (--for-spreadsheet: cells
         that look like formulas get a leading ' so a spreadsheet shows them as text;
         --bom: a UTF-8 byte order mark so Excel reads the accents right;
         --table requirements: one row per requirement instead)
  xlsx   a Summary sheet and one sheet per stage (binary: needs --output or a redirect)
  json   the documented mlreq.export/1 schema (see README)
  reqif  ReqIF 1.2 for DOORS, Polarion, Jama, StrictDoc: one SPEC-OBJECT per answered
         question (--include-unanswered: every question)

Requirements (mlreq req) come along in every format, each linked to the questions it was
written from: a section in md and html, a Requirements sheet in xlsx, a `requirements`
array in json, SPEC-OBJECTs with "Derived from" SPEC-RELATIONs in reqif. Retired ones are
kept, marked retired (--without-retired leaves them out). The filters keep the
requirements written from a question they keep.

Without --format, the format follows the --output file's suffix (.md .html .csv .xlsx
.json .reqif), else Markdown. --stage, --role and --status narrow every format; each may
be repeated or given a comma list (names or ids, any case); a question must match one
value of each option given.

examples:
  mlreq export --output requirements.html
  mlreq export --format xlsx --output requirements.xlsx --at "Kick-off workshop"
  mlreq export --role "Legal team" --status open,draft
  mlreq export --format reqif --stage Data --output data.reqif
"""


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no nested commands
    exp = sub.add_parser(
        "export",
        help="the whole form with its answers (md, html, csv, xlsx, json, reqif)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    exp.add_argument("path", nargs="?", type=Path, help="project folder (default: here)")
    exp.add_argument("--project", type=Path, help="the same as PATH")
    exp.add_argument("--format", choices=EXPORT_FORMATS, help="output format (default: from --output's suffix, else md)")
    exp.add_argument("--output", "-o", type=Path, help="write to this file instead of standard output")
    exp.add_argument("--at", metavar="ITERATION", help="the form as it was at an iteration, commit or date")
    exp.add_argument("--stage", action="append", default=[], metavar="S", help="only this stage (name or id)")
    exp.add_argument("--role", action="append", default=[], metavar="R", help="only questions for this role")
    exp.add_argument("--status", action="append", default=[], metavar="S", help="only open, draft, agreed or needs-review")
    exp.add_argument(
        "--include-unanswered", action="store_true", help="reqif: a SPEC-OBJECT for every question, not only answered ones"
    )
    exp.add_argument(
        "--for-spreadsheet",
        action="store_true",
        help="csv: a leading ' before cells starting with = + - @ so a spreadsheet never runs them (changes the text)",
    )
    exp.add_argument("--bom", action="store_true", help="csv: start with a UTF-8 byte order mark (for Excel)")
    exp.add_argument(
        "--table", choices=("questions", "requirements"), default="questions",
        help="csv: one row per question (default) or per requirement (a CSV holds one table)",
    )
    exp.add_argument(
        "--without-retired", action="store_true", help="leave retired requirements out (by default they are shown, marked retired)"
    )


def export_format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output is not None:
        suffix = args.output.suffix.lower()
        for fmt, known in SUFFIXES.items():
            if suffix == known or (fmt == "md" and suffix == ".markdown") or (fmt == "html" and suffix == ".htm"):
                return fmt
    return "md"


def run_export(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects.exports import Filters, load_state, render

    fmt = export_format(args)
    if args.include_unanswered and fmt != "reqif":
        raise InvalidInputError("--include-unanswered applies to --format reqif only (the other formats list every question)")
    for option, given in (("--for-spreadsheet", args.for_spreadsheet), ("--bom", args.bom)):
        if given and fmt != "csv":
            raise InvalidInputError(f"{option} applies to --format csv only (xlsx cells are always text, never formulas)")
    if args.table != "questions" and fmt != "csv":
        raise InvalidInputError("--table applies to --format csv only (the other formats hold the requirements with the questions)")
    binary = fmt in BINARY_FORMATS
    stream = None
    if binary and args.output is None:
        stream = getattr(out, "buffer", None)
        if stream is None or out.isatty():
            raise InvalidInputError(f"{fmt} is a binary format: give --output FILE (or redirect standard output to a file)")
    if args.output is not None and args.output.is_dir():
        raise InvalidInputError(f"{args.output}: is a folder; give a file name, e.g. {args.output / ('requirements' + SUFFIXES[fmt])}")
    state = load_state(project, args.at, with_times=fmt == "reqif", with_retired=not args.without_retired)
    filters = Filters.parse(state.form, args.stage, args.role, args.status)
    if filters.active:
        state = replace(state, filters=filters)
        if not state.questions:
            print(f"mlreq: note: no question matches {visible(filters.describe(state.form))}; the export lists none", file=sys.stderr)
    options = {"include_unanswered": args.include_unanswered, "for_spreadsheet": args.for_spreadsheet, "bom": args.bom}
    data = render(state, fmt, **options, **({"table": args.table} if fmt == "csv" else {}))
    if args.output is None:
        if stream is not None:
            out.flush()
            stream.write(data)
            stream.flush()
        else:
            out.write(data.decode("utf-8"))
        return 0
    try:
        write_output(args.output, data)
    except OSError as exc:
        raise InvalidInputError(f"{args.output}: cannot write ({exc.strerror or exc})") from None
    # Into a device, pipe or /dev/stdout the note would mix with the data: it goes to stderr.
    regular = args.output.is_file() and not str(args.output.absolute()).startswith(("/dev/", "/proc/"))
    print(f"wrote {args.output} ({fmt}, {_counts(state, fmt, args)})", file=out if regular else sys.stderr)
    return 0


def _counts(state, fmt: str, args: argparse.Namespace) -> str:  # type: ignore[no-untyped-def]
    """"37 questions, 12 requirements": what the written file holds."""
    requirements = len(state.exported_requirements)
    said = f"{requirements} requirement{'s' if requirements != 1 else ''}"
    if fmt == "csv" and args.table == "requirements":
        return said
    questions = state.questions
    if fmt == "reqif" and not args.include_unanswered:
        sources = {qid for r in state.exported_requirements for qid in r.sources}
        shown = sum(state.entry(q.id).answered or q.id in sources for q in questions)
    else:
        shown = len(questions)
    return f"{shown} question{'s' if shown != 1 else ''}" + (f", {said}" if state.requirements else "")
