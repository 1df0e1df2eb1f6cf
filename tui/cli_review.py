"""`mlreq review`: every flagged answer with the change that flagged it; `--confirm` settles them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from mlreq.projects import Project
from mlreq.projects.safetext import safe_json, visible


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    review = sub.add_parser(
        "review",
        help="every answer flagged needs-review, with the change that flagged it",
        description="Lists the answers flagged needs-review: which answer changed, by whom, and the change "
        "word by word ([-gone-]{+came+}). --confirm QID... marks them as still holding (one commit): each "
        "gets back the status it had before it was flagged.",
    )
    review.add_argument("--confirm", nargs="+", metavar="QID", help="these flagged answers still hold")
    review.add_argument("--json", action="store_true", help="machine-readable list")
    review.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")


def run_review(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects.review import confirm, flagged_answers

    if args.confirm:
        outcome = confirm(project, args.confirm)
        for qid in outcome.not_flagged:
            print(f"{qid} is not flagged for review: nothing to confirm", file=out)
        result = outcome.result
        if result is not None and result.commit_error is not None:
            print(f"mlreq: {visible(str(result.commit_error))}", file=sys.stderr)
            return 5
        if result is not None and result.commit:
            confirmed = ", ".join(f"{qid} ({status})" for qid, status in outcome.confirmed)
            print(f"committed {result.commit[:10]}: confirmed {confirmed}", file=out)
        return 0
    items = flagged_answers(project)
    if args.json:
        data = [
            {
                "id": item.question_id,
                "question": item.text,
                "answer": item.entry.answer,
                "confirm_restores": item.restores,
                "reasons": [
                    {"text": r.text, "changed": r.question_id or None, "by": r.author or None, "date": r.date or None,
                     "before": r.before, "after": r.after if r.question_id else None}
                    for r in item.reasons
                ],
            }
            for item in items
        ]
        print(safe_json(data), file=out)
        return 0
    if not items:
        print("No answer needs review.", file=out)
        return 0
    print(f"{len(items)} answer(s) need review (confirm: mlreq review --confirm QID...; or edit them):", file=out)
    for item in items:
        print(f"\n{item.question_id}  {visible(item.text)}", file=out)
        for reason in item.reasons:
            print(f"  {visible(reason_line(reason))}", file=out)
            diff = reason_diff(reason)
            if diff:
                for line in diff.splitlines():
                    print(f"      {visible(line)}", file=out)
        print(f"  confirming keeps the answer and makes it {item.restores} again", file=out)
    return 0


def reason_line(reason) -> str:  # type: ignore[no-untyped-def]
    if not reason.question_id:
        return reason.text
    if reason.reworded:
        return f"the question was reworded, by {reason.author} on {reason.date}:"
    return f"{reason.question_id} changed, by {reason.author} on {reason.date}:"


def reason_diff(reason) -> str:  # type: ignore[no-untyped-def]
    """The change as a word diff, long unchanged stretches shortened ("" when unknown)."""
    from mlreq.projects.review import short_diff
    from mlreq.projects.semdiff import render_word_diff

    if not reason.question_id:
        return ""
    if reason.before is None:
        return "(the earlier version is not in this history)"
    ops = reason.words()
    if not any(op.op != "equal" for op in ops):
        return "(changed back since: it reads as it did)"
    return render_word_diff(short_diff(ops))
