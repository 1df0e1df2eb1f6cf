"""`mlreq export`: the form with its answers, for people and for other tools."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from projects import InvalidInputError, Project
from projects.atomic import atomic_write
from projects.export import EXPORT_FORMATS, FormState, export
from projects.history import History


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no nested commands
    exp = sub.add_parser("export", help="the whole form with its answers", description="the whole form with its answers")
    exp.add_argument("path", nargs="?", default=".", type=Path, help="project folder (default: here)")
    exp.add_argument("--format", default="md", choices=EXPORT_FORMATS)
    exp.add_argument("--output", type=Path, help="write to this file instead of standard output")
    exp.add_argument("--at", metavar="ITERATION", help="the form as it was at an iteration, commit or date")


def state_at(project: Project, revision: str) -> FormState:
    snapshot = History(project).snapshot(revision)
    if snapshot.form is None:
        raise InvalidInputError(f"cannot read the question set at {revision}: {'; '.join(snapshot.errors)}")
    return FormState(project.name, snapshot.form, snapshot.entries)


def run_export(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    state = FormState.now(project) if args.at is None else state_at(project, args.at)
    text = export(state, args.format)
    if not args.output:
        out.write(text)
        return 0
    try:
        atomic_write(args.output, text.encode("utf-8"))
    except OSError as exc:
        raise InvalidInputError(f"{args.output}: cannot write ({exc.strerror})") from None
    print(f"wrote {args.output}", file=out)
    return 0
