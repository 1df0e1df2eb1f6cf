"""`mlreq form ...`: tailor the project's question set, compare and upgrade forms."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from mlreq.projects import Project
from mlreq.projects.safetext import visible


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    form = sub.add_parser(
        "form",
        help="tailor the project's question set; compare and upgrade forms",
        description="Every change to the question set is one commit. Removing a question keeps its answer and history.",
    )
    actions = form.add_subparsers(dest="form_command", required=True, parser_class=parser_class)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
        return parser

    add = action("add", "add a question")
    add.add_argument("--stage", required=True)
    add.add_argument("--roles", required=True, help="comma-separated role names, e.g. 'Data scientist,Legal team'")
    add.add_argument("--text", required=True)
    add.add_argument("--examples", default="")
    add.add_argument("--depends-on", default="", help="comma-separated question ids")
    add.add_argument("--id", dest="question_id", help="the new question's id (default: from stage and text)")
    add.add_argument("--after", help="place it after this question (default: end of its stage)")
    reword = action("reword", "change a question's wording")
    reword.add_argument("question")
    reword.add_argument("--text", required=True)
    edit = action("edit", "change which roles a question is asked of, and its examples")
    edit.add_argument("question")
    edit.add_argument("--roles", help="comma-separated role names, e.g. 'Data scientist,Legal team' (replaces the list)")
    edit.add_argument("--examples", help="the question's examples")
    move = action("move", "reorder a question within its stage")
    move.add_argument("question")
    move.add_argument("--before")
    move.add_argument("--after")
    remove = action("remove", "take a question out of the form (its answer and history are kept)")
    remove.add_argument("question")
    remove.add_argument("--force", action="store_true", help="also drop other questions' dependencies on it")
    role = action("add-role", "add a role")
    role.add_argument("name")
    depend = action("depend", "make a question depend on another")
    depend.add_argument("question")
    depend.add_argument("--on", required=True)
    undepend = action("undepend", "drop a dependency")
    undepend.add_argument("question")
    undepend.add_argument("--on", required=True)
    optional = action("optional", "list the optional questions, or switch one on")
    optional.add_argument("enable", nargs="?", metavar="QID", help="the optional question to add")
    save_as = action("save-as", "save this project's question set as a form file (an organisation template)")
    save_as.add_argument("file", type=Path)
    diff = action("diff", "how two forms differ (v1, v2, v3, project, or a form file)")
    diff.add_argument("old")
    diff.add_argument("new")
    up = action("upgrade", "move the project to another form version, keeping every answer")
    up.add_argument("target", help="v3, v2, v1 or a form file")
    up.add_argument("--yes", action="store_true", help="apply (without it: only show what would change)")


def run_form(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects.formdiff import diff_forms
    from mlreq.projects.tailoring import (
        FormEditor,
        export_form,
        form_message,
        optional_questions,
        resolve_form,
        upgrade,
    )

    command = args.form_command
    if command == "diff":
        old_name, old = resolve_form(args.old, project)
        new_name, new = resolve_form(args.new, project)
        changes = diff_forms(old, new)
        print(f"{len(changes)} change(s) from {old_name} ({len(old.questions)} questions) to {new_name} ({len(new.questions)}):", file=out)
        for change in changes:
            _print_change(change, out)
        return 0
    if command == "optional" and not args.enable:
        for question in optional_questions():
            state = "on " if project.form.question(question.id) else "off"
            print(f"  [{state}] {question.id:<34} {visible(question.text)}", file=out)
        print("Switch one on with `mlreq form optional QID` (these are mlreq's additions, not the thesis').", file=out)
        return 0
    if command == "save-as":
        export_form(project, args.file)
        print(f"wrote {args.file}; start a project from it with `mlreq new PATH --form {args.file}`", file=out)
        return 0
    if command == "upgrade":
        changes, orphaned, result = upgrade(project, args.target, apply=args.yes)
        for change in changes:
            _print_change(change, out)
        if orphaned:
            print(f"Answers kept as orphans (no longer asked): {', '.join(orphaned)}", file=out)
        if result is None:
            print(f"{len(changes)} change(s). Nothing done yet: repeat with --yes to upgrade.", file=out)
            return 0
        return _done(result, f"upgraded to {args.target}", out)
    editor = FormEditor.open(project)
    if command == "add":
        roles = [r.strip() for r in args.roles.split(",") if r.strip()]
        depends = [d.strip() for d in args.depends_on.split(",") if d.strip()]
        qid = editor.add_question(args.stage, roles, args.text, args.examples, depends, args.question_id, args.after)
        return _done(editor.save(form_message("add", qid, args.text)), f"added {qid}", out)
    if command == "reword":
        editor.reword(args.question, args.text)
        return _done(editor.save(form_message("reword", args.question, args.text)), f"reworded {args.question}", out)
    if command == "edit":
        roles = [r.strip() for r in args.roles.split(",") if r.strip()] if args.roles is not None else None
        editor.edit(args.question, roles, args.examples)
        changed = " and ".join(what for what, given in (("roles", roles is not None), ("examples", args.examples is not None)) if given)
        detail = f"Roles: {', '.join(roles)}" if roles is not None else ""
        return _done(editor.save(form_message("edit", args.question, detail)), f"edited the {changed} of {args.question}", out)
    if command == "move":
        editor.move(args.question, args.before, args.after)
        return _done(editor.save(form_message("move", args.question)), f"moved {args.question}", out)
    if command == "remove":
        dropped = editor.remove(args.question, args.force)
        detail = f"Dropped the dependency of {', '.join(dropped)} on it." if dropped else ""
        return _done(editor.save(form_message("remove", args.question, detail)), f"removed {args.question} (its answer is kept)", out)
    if command == "add-role":
        role_id = editor.add_role(args.name)
        return _done(editor.save(form_message("add role", role_id, args.name)), f"added role {role_id}", out)
    if command in ("depend", "undepend"):
        editor.depend(args.question, args.on, add=command == "depend")
        verb = "depend" if command == "depend" else "undepend"
        return _done(editor.save(form_message(verb, args.question, f"on {args.on}")), f"{args.question}: {verb} on {args.on}", out)
    if command == "optional":
        editor.enable_optional(args.enable)
        return _done(editor.save(form_message("enable optional", args.enable)), f"switched on {args.enable}", out)
    raise AssertionError(command)


def _print_change(change, out: TextIO) -> None:  # type: ignore[no-untyped-def]
    if change.kind in ("added", "removed"):
        print(f"  {change.kind:<12} {change.question_id:<34} {visible(change.new or change.old)}", file=out)
    else:
        print(f"  {change.kind:<12} {change.question_id:<34} {visible(change.old)!r} -> {visible(change.new)!r}", file=out)


def _done(result, what: str, out: TextIO) -> int:  # type: ignore[no-untyped-def]
    if result.commit_error is not None:
        import sys

        print(f"{visible(what)}, but not committed: {visible(str(result.commit_error))}", file=sys.stderr)
        return 5
    print(f"{what} (commit {result.commit[:10]})", file=out)
    return 0
