"""`mlreq req ...`: requirements written from the answers (new, list, show, edit, retire, check)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from mlreq.projects import Project
from mlreq.projects.safetext import safe_json, visible


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    from mlreq.projects.requirements import PATTERNS, PRIORITIES, STATUSES

    req = sub.add_parser(
        "req",
        help="requirements written from the answers (EARS \"shall\" statements traced to questions)",
        description="Each change is one commit; retired requirements stay; ids are never reused.",
    )
    actions = req.add_subparsers(dest="req_command", required=True, parser_class=parser_class)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
        return parser

    def fields(parser: argparse.ArgumentParser, new: bool) -> None:
        parser.add_argument("--from", dest="sources", action="append", metavar="QID",
                            required=new, help="a question it is written from (repeat for several)")
        parser.add_argument("--text", required=new, help='e.g. "When <trigger>, the system shall <response>"')
        parser.add_argument("--pattern", help=f"EARS pattern: {', '.join(PATTERNS)} (default: read from the text)")
        parser.add_argument("--criterion", dest="criteria", action="append", metavar="TEXT",
                            help="an acceptance criterion (repeat for several" + ("" if new else "; replaces the list") + ")")
        parser.add_argument("--priority", help=f"one of {', '.join(PRIORITIES)}" + (" (default medium)" if new else ""))
        parser.add_argument("--owner", metavar="ROLE", help="the role that owns it" + (" (default: the question's first role)" if new else ""))

    fields(action("new", "write a requirement from one or more answers; prints its id"), new=True)
    listing = action("list", "the requirements (retired ones only with --status retired or --all)")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--suspect", action="store_true", help="only those needing review")
    listing.add_argument("--all", action="store_true", help="retired ones too")
    show = action("show", "one requirement with its questions, challenges and criteria")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    edit = action("edit", "change a requirement's fields")
    edit.add_argument("id")
    fields(edit, new=False)
    edit.add_argument("--status", help="draft, agreed or needs-review (retire with `mlreq req retire`)")
    retire = action("retire", "retire a requirement (it stays in the file and history)")
    retire.add_argument("id")
    check = action("check", "which requirements do not follow an EARS pattern, and why (exit 1 if any)")
    check.add_argument("--json", action="store_true")


def req_writes(args: argparse.Namespace) -> bool:
    return args.req_command in ("new", "edit", "retire")


def run_req(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects import requirements as reqs

    command = args.req_command
    if command == "new":
        saved = reqs.new_requirement(project, args.sources, args.text, args.pattern, args.criteria or (),
                                     args.priority or "medium", args.owner)
        print(saved.requirement.id, file=out)
        return _committed(saved, out, quiet=True)
    if command == "edit":
        saved = reqs.edit_requirement(project, args.id, text=args.text, pattern=args.pattern, sources=args.sources,
                                      criteria=args.criteria, priority=args.priority, status=args.status, owner=args.owner)
        return _committed(saved, out, f"{saved.requirement.id} edited")
    if command == "retire":
        saved = reqs.retire_requirement(project, args.id)
        return _committed(saved, out, f"{saved.requirement.id} retired")
    requirements = reqs.load_requirements(project)
    if command == "show":
        requirement = reqs._existing(requirements, args.id)
        data = _as_data(project, requirement)
        if args.json:
            print(safe_json(data), file=out)
        else:
            _print_one(project, data, out)
        return 0
    if command == "list":
        chosen = [r for r in requirements.items if _listed(r, args)]
        if args.json:
            print(safe_json([_as_data(project, r) for r in chosen]), file=out)
            return 0
        lines = [f"{r.id}  {r.status:<12} {r.pattern:<10} {r.priority:<6} {','.join(r.sources):<28} {visible(' '.join(r.text.split()))}\n"
                 for r in chosen]
        out.write("".join(lines))  # one write: 5,000 prints through the output's filter cost 10% of the command
        hidden = sum(r.status == "retired" for r in requirements.items) if not (args.all or args.status) else 0
        print(f"{len(chosen)} requirement(s)" + (f"; {hidden} retired not shown (--all)" if hidden else ""), file=out)
        return 0
    if command == "check":
        findings = [(r, reqs.ears_problems(r)) for r in requirements.items if r.status != "retired"]
        failing = [(r, problems) for r, problems in findings if problems]
        if args.json:
            print(safe_json([{"id": r.id, "problems": problems} for r, problems in findings]), file=out)
        else:
            out.write("".join(f"{r.id}: {visible(problem)}\n" for r, problems in failing for problem in problems))
            print(f"{len(failing)} of {len(findings)} requirement(s) do not follow EARS" if failing
                  else f"ok: {len(findings)} requirement(s) follow EARS", file=out)
        return 1 if failing else 0
    raise AssertionError(command)


def _listed(requirement: Any, args: argparse.Namespace) -> bool:
    if args.suspect and requirement.status != "needs-review":
        return False
    if args.status:
        return requirement.status == args.status
    return args.all or requirement.status != "retired"


def _as_data(project: Project, requirement: Any) -> dict[str, Any]:
    from mlreq.projects.requirements import challenges, ears_problems

    return {
        "id": requirement.id, "text": requirement.text, "pattern": requirement.pattern,
        "from": list(requirement.sources), "challenges": list(challenges(project.form, requirement)),
        "criteria": list(requirement.criteria), "priority": requirement.priority, "status": requirement.status,
        "owner": requirement.owner, "review": requirement.review, "conflict": dict(requirement.conflict),
        "ears": ears_problems(requirement),
    }


def _print_one(project: Project, data: dict[str, Any], out: TextIO) -> None:
    print(f"{data['id']} [{data['status']}, {data['priority']} priority, {data['pattern']}]", file=out)
    print(f"  {visible(data['text'])}", file=out)
    print("From:", file=out)
    for qid in data["from"]:
        question = project.form.question(qid)
        print(f"  {qid}: {visible(question.text) if question else '(no longer in the question set)'}", file=out)
    print(f"Challenges: {', '.join(data['challenges']) or '(none traced)'}", file=out)
    print("Acceptance criteria:" if data["criteria"] else "Acceptance criteria: none yet", file=out)
    for criterion in data["criteria"]:
        print(f"  - {visible(criterion)}", file=out)
    if data["owner"]:
        role = project.form.role(data["owner"])
        print(f"Owner: {role.name if role else data['owner']}", file=out)
    if data["review"]:
        print(f"Needs review: {visible(data['review'])}", file=out)
    for name, theirs in data["conflict"].items():
        print(f"The other side's {name} (sync conflict): {visible(theirs)}", file=out)
    for problem in data["ears"]:
        print(f"EARS: {visible(problem)}", file=out)


def _committed(saved: Any, out: TextIO, what: str = "", quiet: bool = False) -> int:
    result = saved.result
    if result is None:
        print(f"{saved.requirement.id} unchanged; nothing to commit", file=out)
        return 0
    if result.commit_error is not None:
        print(f"{saved.requirement.id} saved in requirements.toml but not committed: {visible(str(result.commit_error))}", file=sys.stderr)
        return 5
    if not quiet:
        print(f"{what} (commit {result.commit[:10]})", file=out)
    return 0
