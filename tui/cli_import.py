"""`mlreq import`: answers typed into a spreadsheet export, back into the project."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from mlreq.projects import Project
from mlreq.projects.safetext import visible

DESCRIPTION = """\
answers typed into an XLSX or CSV export (`mlreq export --format xlsx|csv`) back into
the project: each changed row is committed on its own (author: --author, $MLREQ_AUTHOR
or git config). A row whose question changed in the project since the export is not
applied over it: both are kept, the spreadsheet's answer as the question's other version
(`mlreq resolve QID` settles it), as a sync does. The whole file is checked first: moved
columns, unknown ids, formulas, another project's or another form version's export each
give one line, and then nothing is imported (exit 2).

examples:
  mlreq export --output answers.xlsx      # send it; get it back filled in
  mlreq import answers.xlsx
"""


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no nested commands
    imp = sub.add_parser(
        "import",
        help="answers typed into an XLSX or CSV export, back into the project",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("file", type=Path, help="the edited export (.xlsx or .csv)")
    imp.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")


def run_import(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects import InvalidInputError
    from mlreq.projects.sheetimport import SheetImportError, import_sheet

    try:
        outcome = import_sheet(project, args.file)
    except SheetImportError as exc:
        if len(exc.problems) == 1:
            raise
        for problem in exc.problems:
            print(f"mlreq: {visible(str(args.file))}: {visible(problem)}", file=sys.stderr)
        raise InvalidInputError(f"{args.file}: nothing was imported ({len(exc.problems)} problems above)") from None
    failed = 0
    for question_id, result in outcome.applied:
        if result.commit_error is not None:
            failed += 1
            print(f"mlreq: {question_id}: {visible(str(result.commit_error))}", file=sys.stderr)
        else:
            print(f"imported {question_id}" + (f" (commit {result.commit[:10]})" if result.commit else ""), file=out)
    for question_id, result in outcome.kept_both:
        if result.commit_error is not None:
            failed += 1
            print(f"mlreq: {question_id}: {visible(str(result.commit_error))}", file=sys.stderr)
        print(
            f"kept both {question_id}: it changed in the project since the export; the spreadsheet's answer "
            f"is its other version (`mlreq resolve {question_id}`)",
            file=out,
        )
    for question_id, why in outcome.refused:
        print(f"not imported {question_id}: {why}", file=out)
    refused = f", {len(outcome.refused)} not imported" if outcome.refused else ""
    print(
        f"{len(outcome.applied)} imported, {len(outcome.kept_both)} kept as conflicts{refused}, {outcome.unchanged} unchanged",
        file=out,
    )
    if failed:
        from mlreq.tui.cli import SAVED_NOT_COMMITTED

        return SAVED_NOT_COMMITTED
    return 0
