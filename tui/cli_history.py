"""`mlreq iteration`, `mlreq log` and `mlreq diff`: how the requirements evolved."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from mlreq.projects.errors import InvalidInputError
from mlreq.projects.safetext import safe_json, visible

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start)
if TYPE_CHECKING:  # the project's module is loaded by the command, after `mlreq log` started git's walk
    from typing import TextIO

    from mlreq.projects import Project
    from mlreq.projects.history import History, LogEntry
    from mlreq.projects.reqhistory import RequirementChange
    from mlreq.projects.semdiff import ProjectDiff, QuestionChange


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    iteration = sub.add_parser("iteration", help="name a milestone (tag) or list them", description="Iterations are named milestones such as \"Kick-off workshop\": annotated git tags on the state of the form.")
    iteration_sub = iteration.add_subparsers(dest="iteration_command", required=True, parser_class=parser_class)
    new = iteration_sub.add_parser("new", help="tag the current state with a name")
    new.add_argument("name", help='e.g. "Kick-off workshop"')
    new.add_argument("-m", "--note", default="", help="what happened in this iteration")
    new.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    rename = iteration_sub.add_parser("rename", help="give an iteration another name (same commit, note and date)")
    rename.add_argument("old", metavar="OLD", help="the iteration's name (or tag)")
    rename.add_argument("new", metavar="NEW", help="its new name")
    rename.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    delete = iteration_sub.add_parser("delete", help="remove an iteration (its tag); every save is kept")
    delete.add_argument("name", metavar="NAME", help="the iteration's name (or tag)")
    delete.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    listing = iteration_sub.add_parser("list", help="the iterations, oldest first")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")

    log = sub.add_parser("log", help="saves grouped by iteration; with QID (or REQ-001), the timeline of one answer (or requirement)")
    log.add_argument("question", nargs="?", help="question id: show every version of its answer; a requirement id (REQ-001): every version of it")
    log.add_argument("--json", action="store_true")
    log.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")

    diff = sub.add_parser(
        "diff",
        help="what changed between two points, by question and requirement",
        description="FROM and TO are iteration names, commits or dates (YYYY-MM-DD). "
        "Default: from the last iteration (or the first save) to now. "
        "--format md|html writes a change report to hand out (old and new text, who, when).",
    )
    diff.add_argument("old", nargs="?", metavar="FROM")
    diff.add_argument("new", nargs="?", metavar="TO")
    diff.add_argument("--stage", help="only this stage")
    diff.add_argument("--role", help="only questions for this role")
    diff.add_argument("--json", action="store_true")
    diff.add_argument("--format", choices=("text", "json", "md", "html"), help="text (default), json, or a change report: md or html")
    diff.add_argument("--output", "-o", type=Path, help="write the report to this file instead of standard output")
    diff.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")


def run_iteration(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects.history import History

    history = History(project)
    if args.iteration_command == "new":
        iteration = history.create_iteration(args.name, args.note)
        print(f"iteration {iteration.name!r} marks {iteration.commit[:10]} (tag {iteration.tag})", file=out)
        return 0
    if args.iteration_command == "rename":
        old = history.find_iteration(args.old)
        renamed = history.rename_iteration(args.old, args.new)
        print(f"iteration {visible(old.name)!r} is now {visible(renamed.name)!r} (tag {renamed.tag}, still on {renamed.commit[:10]})", file=out)
        print(remote_tag_note(project, old.tag, "the old name") if old.tag != renamed.tag else "", end="", file=out)
        return 0
    if args.iteration_command == "delete":
        deleted = history.delete_iteration(args.name)
        print(
            f"iteration {visible(deleted.name)!r} deleted: its tag {deleted.tag} is removed; "
            f"the commits it marked ({deleted.commit[:10]}) and every save are kept",
            file=out,
        )
        print(remote_tag_note(project, deleted.tag, "it"), end="", file=out)
        return 0
    iterations = history.iterations()
    if args.json:
        data = [{"name": i.name, "tag": i.tag, "commit": i.commit, "date": i.date, "note": i.note} for i in iterations]
        print(safe_json(data), file=out)
    elif not iterations:
        print("no iterations yet; name one with `mlreq iteration new \"Kick-off workshop\"`", file=out)
    for i in iterations if not args.json else ():
        print(f"{i.date[:16].replace('T', ' ')}  {i.commit[:10]}  {visible(i.name)}", file=out)
        if i.note:
            print(_indent(visible(i.note)), file=out)
    return 0


def remote_tag_note(project: Project, tag: str, what: str) -> str:
    """A line for a project that syncs: the remote keeps a removed tag, and a sync fetches it back."""
    from mlreq.projects.sync import Sync

    if not Sync(project).remote_url():
        return ""
    return f"note: the remote still has tag {tag}; the next sync brings {what} back unless it is removed there too (git push origin :refs/tags/{tag})\n"


def _entry_json(entry: LogEntry) -> dict:
    return {
        "commit": entry.commit,
        "author": entry.author,
        "email": entry.email,
        "date": entry.date,
        "subject": entry.subject,
        "questions": list(entry.questions),
        "requirements": list(entry.requirements),
    }


def run_log(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects.history import History

    history = History(project)
    if args.question and re.fullmatch(r"REQ-\d+", args.question.strip(), re.IGNORECASE):
        return _requirement_log(history, args.question, args.json, out)
    if args.question:
        problems: list[str] = []
        versions = history.timeline(args.question, problems=problems, prefetch=getattr(args, "reads_ahead", None))
        if args.json:
            data = [
                {"commit": v.commit, "author": v.author, "date": v.date, "answer": v.entry.answer, "status": v.entry.status,
                 "notes": v.entry.notes, "merged": v.merged}
                for v in versions
            ]
            for problem in problems:  # stdout stays one JSON list
                print(f"warning: {visible(problem)}", file=sys.stderr)
            print(safe_json(data), file=out)
            return 0
        question = project.question(args.question)
        for problem in problems:
            print(f"warning: {visible(problem)}", file=out)
        print(f"{args.question}: {visible(question.text)} ({len(versions)} versions, oldest first)", file=out)
        for number, version in enumerate(versions, start=1):
            merged = "  (merged in)" if version.merged else ""
            print(f"\n#{number}  {version.date[:16].replace('T', ' ')}  {visible(version.author)}  [{version.entry.status}]  {version.commit[:10]}{merged}", file=out)
            print(_indent(visible(version.entry.answer) or "(no answer)"), file=out)
        return 0
    groups = history.grouped_log(walk=getattr(args, "reads_ahead", None))
    hand_made = [e.commit for g in reversed(groups) for e in reversed(g.entries) if not e.questions and not e.requirements]  # oldest first
    for problem in history.unreadable_at(hand_made, "a saved version that cannot be read"):
        print(f"warning: {visible(problem)}", file=sys.stderr if args.json else out)
    if args.json:
        data = [
            {
                "iteration": None if g.iteration is None else {"name": g.iteration.name, "tag": g.iteration.tag, "commit": g.iteration.commit, "date": g.iteration.date},
                "saves": [_entry_json(e) for e in g.entries],
            }
            for g in groups
        ]
        print(safe_json(data), file=out)
        return 0
    lines = []  # one write for the whole log: 10,000 prints through the visible writer cost more than git's walk
    authors: dict[str, str] = {}  # a few people make thousands of saves: their column is made once each
    for group in groups:
        if group.iteration is None:
            if not group.entries:
                continue
            title = "Since the last iteration" if len(groups) > 1 else "Saves"
        else:
            title = f"Iteration {visible(group.iteration.name)!r} ({group.iteration.date[:10]})"
        lines.append(f"{title}: {len(group.entries)} saves")
        for entry in group.entries:
            author = authors.get(entry.author)
            if author is None:
                author = authors[entry.author] = f"{visible(entry.author):<18.18}"
            flagged = f"  (requirements flagged: {', '.join(entry.requirements)})" if entry.questions and entry.requirements else ""
            lines.append(f"  {entry.date[:16].replace('T', ' ')}  {author}  {entry.subject}{flagged}")
    if lines:  # subjects are made visible here, all at once
        out.write(visible("\n".join(lines)) + "\n")
    return 0


def _requirement_log(history: History, requirement_id: str, as_json: bool, out: TextIO) -> int:
    """`mlreq log REQ-001`: every version of one requirement, oldest first."""
    from mlreq.projects.reqhistory import requirement_timeline

    problems: list[str] = []
    versions = requirement_timeline(history, requirement_id, problems)
    for problem in problems:
        print(f"warning: {visible(problem)}", file=sys.stderr if as_json else out)
    if as_json:
        data = [
            {"commit": v.commit, "author": v.author, "date": v.date, "subject": v.subject, "merged": v.merged,
             "text": v.requirement.text, "status": v.requirement.status, "pattern": v.requirement.pattern,
             "from": list(v.requirement.sources), "criteria": list(v.requirement.criteria),
             "priority": v.requirement.priority, "owner": v.requirement.owner}
            for v in versions
        ]
        print(safe_json(data), file=out)
        return 0
    print(f"{versions[-1].requirement.id} ({len(versions)} versions, oldest first)", file=out)
    for number, version in enumerate(versions, start=1):
        r = version.requirement
        merged = "  (merged in)" if version.merged else ""
        print(f"\n#{number}  {version.date[:16].replace('T', ' ')}  {visible(version.author)}  [{r.status}]  {version.commit[:10]}{merged}", file=out)
        print(f"  {visible(version.subject)}", file=out)
        print(_indent(visible(r.text) or "(no text)"), file=out)
        print(f"    from {', '.join(r.sources)}; {r.pattern}, {r.priority} priority", file=out)
        for criterion in r.criteria:
            print(f"    - {visible(criterion)}", file=out)
    return 0


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines()) or "    "


def _filtered(diff: ProjectDiff, project: Project, stage: str | None, role: str | None) -> list[QuestionChange]:
    from mlreq.projects import InvalidInputError

    form = project.form
    changes = list(diff.changes)
    if stage:
        found = form.find_stage(stage)
        if found is None:
            raise InvalidInputError(f"unknown stage {stage!r}: use one of {', '.join(s.name for s in form.stages)}")
        changes = [c for c in changes if c.stage == found.id]
    if role:
        found_role = form.find_role(role)
        if found_role is None:
            raise InvalidInputError(f"unknown role {role!r}: use one of {', '.join(r.name for r in form.roles)}")
        questions = diff.new.questions or diff.old.questions
        changes = [c for c in changes if c.question_id in questions and found_role.id in questions[c.question_id].roles]
    return changes


def _format_of(output: Path | None) -> str:
    suffix = output.suffix.lower() if output is not None else ""
    return {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}.get(suffix, "text")


def _write_report(history, diff: ProjectDiff, changes: list[QuestionChange], fmt: str, output: Path | None, out: TextIO,  # type: ignore[no-untyped-def]
                  requirements: tuple[list[RequirementChange], tuple[str, ...]] = ([], ())) -> int:
    from mlreq.projects.atomic import write_output
    from mlreq.projects.exports.changes import change_report, render_report

    data = render_report(change_report(history, diff, changes, *requirements), fmt)
    if output is None:
        out.write(data)  # already escaped for its format; the writer shows control characters
        return 0
    if output.is_dir():
        raise InvalidInputError(f"{output}: is a folder; give a file name, e.g. {output / ('changes.' + fmt)}")
    try:
        write_output(output, data.encode("utf-8"))
    except OSError as exc:
        raise InvalidInputError(f"{output}: cannot write ({exc.strerror or exc})") from None
    regular = output.is_file() and not str(output.absolute()).startswith(("/dev/", "/proc/"))
    counted = f", {len(requirements[0])} requirement(s)" if requirements[0] else ""
    print(f"wrote {output} ({fmt} change report, {len(changes)} question(s) changed{counted})", file=out if regular else sys.stderr)
    return 0


def run_diff(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects.history import History
    from mlreq.projects.semdiff import render_word_diff

    fmt = args.format or ("json" if args.json else _format_of(args.output))
    if args.json and fmt != "json":
        raise InvalidInputError(f"give either --json or --format {fmt}, not both")
    if args.output is not None and fmt not in ("md", "html"):
        raise InvalidInputError("--output writes a change report: add --format md or --format html")
    history = History(project, started=getattr(args, "reads_ahead", None))
    diff = history.diff(args.old, args.new)
    changes = _filtered(diff, project, args.stage, args.role)
    requirements, requirement_errors = _requirement_changes(project, diff, args.stage, args.role)
    if fmt in ("md", "html"):
        return _write_report(history, diff, changes, fmt, args.output, out, (requirements, requirement_errors))
    if fmt == "json":
        data = {
            "from": {"label": diff.old.label, "commit": diff.old.commit},
            "to": {"label": diff.new.label, "commit": diff.new.commit},
            "errors": list(diff.errors),
            "changes": [
                {
                    "id": c.question_id,
                    "stage": c.stage,
                    "question": c.text,
                    "kind": c.kind,
                    "old_question": c.old_text or None,
                    "fields": {
                        f.field: {"old": f.old, "new": f.new, "words": [[w.op, w.text] for w in f.words()]} for f in c.fields
                    },
                }
                for c in changes
            ],
            "requirements": {
                "errors": list(requirement_errors),
                "changes": [
                    {
                        "id": c.requirement_id,
                        "kind": c.kind,
                        "text": c.text,
                        "from": list(c.sources),
                        "fields": {
                            f.field: {"old": f.old, "new": f.new, "words": [[w.op, w.text] for w in f.words()]} for f in c.fields
                        },
                    }
                    for c in requirements
                ],
            },
        }
        print(safe_json(data), file=out)
        return 0
    old_label = diff.old.label if not diff.old.commit else f"{diff.old.label} ({diff.old.commit[:10]})"
    new_label = diff.new.label if not diff.new.commit else f"{diff.new.label} ({diff.new.commit[:10]})"
    for error in diff.errors:
        print(f"warning: {visible(error)}", file=out)
    print(f"{len(changes)} question(s) changed from {visible(old_label)} to {visible(new_label)}", file=out)
    for change in changes:
        print(f"\n{change.question_id} [{change.kind}]: {visible(change.text)}", file=out)
        if change.kind == "reworded":
            print(f"  question was: {visible(change.old_text)}", file=out)
        for field in change.fields:
            if field.field == "status":
                print(f"  status: {field.old} -> {field.new}", file=out)
            elif field.field == "agreed_by":
                print(f"  agreed by: {visible(field.old or 'nobody')} -> {visible(field.new or 'nobody')}", file=out)
            else:
                print(f"  {field.field}:", file=out)
                print(_indent(visible(render_word_diff(field.words()))), file=out)
    _print_requirement_changes(requirements, requirement_errors, out)
    return 0


def _requirement_changes(project: Project, diff: ProjectDiff, stage: str | None, role: str | None) -> tuple[list[RequirementChange], tuple[str, ...]]:
    """The requirements part of a diff, with the same filters (checked by `_filtered` first)."""
    from mlreq.projects.reqhistory import filtered, requirements_diff_of

    form = project.form
    found = requirements_diff_of(project, diff)
    stage_found = form.find_stage(stage) if stage else None
    role_found = form.find_role(role) if role else None
    chosen = filtered(found.changes, form, stage_found.id if stage_found else None, role_found.id if role_found else None)
    return chosen, found.errors


def _print_requirement_changes(changes: list[RequirementChange], errors: tuple[str, ...], out: TextIO) -> None:
    """Printed only when there is something to say: a diff of answers alone reads as before."""
    from mlreq.projects.reqhistory import RequirementsDiff
    from mlreq.projects.semdiff import render_word_diff

    for error in errors:
        print(f"warning: {visible(error)}", file=out)
    if not changes:
        return
    print(f"\n{RequirementsDiff(tuple(changes)).summary()}", file=out)
    for change in changes:
        print(f"\n{change.requirement_id} [{change.kind}]: {visible(' '.join(change.text.split()))}", file=out)
        if change.kind == "added":  # nothing to compare with: its fields on one line
            facts = {f.field: f.new for f in change.fields}
            print(f"  {facts.get('status', '')}, {facts.get('pattern', '')}, {facts.get('priority', '')} priority, "
                  f"from {facts.get('from', '')}" + (f", owner {visible(facts['owner'])}" if facts.get("owner") else ""), file=out)
            for criterion in facts.get("criteria", "").splitlines():
                print(f"    - {visible(criterion)}", file=out)
            continue
        for field in change.fields:
            if field.field == "text" and change.kind in ("added", "removed"):
                continue  # the line above says it
            if field.field in ("text", "criteria"):
                print(f"  {field.field}:", file=out)
                shown = field.new if not field.old else field.old if not field.new else render_word_diff(field.words())
                lines = shown.splitlines() if field.field == "criteria" and not (field.old and field.new) else [shown]
                print("\n".join(_indent(visible(line)) for line in lines), file=out)
            elif field.old and field.new:
                print(f"  {field.field}: {visible(field.old)} -> {visible(field.new)}", file=out)
            else:
                print(f"  {field.field}: {visible(field.new or field.old)}", file=out)
