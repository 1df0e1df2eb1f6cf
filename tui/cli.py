"""The `mlreq` command line: the same operations as the app, for people, scripts and CI.

Exit codes: 0 done; 1 failed; 2 bad usage or input; 3 not a project or a broken file;
4 conflict (nothing written); 5 saved on disk but not committed to git; 6 the repository
is busy (a merge, rebase, ... in progress, no branch checked out, or another mlreq
holding the project): nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# Only what every command needs is imported here: `mlreq --version` is answered before any
# of it (see main), and each command's module, git, TOML writing, openpyxl and textual are
# imported by the code that runs them, so a short command starts fast (issue 14).
from mlreq.bank.errors import MlreqError
from mlreq.projects.errors import (
    CommitError,
    ConflictError,
    InvalidInputError,
    NotAProjectError,
    ProjectError,
)
from mlreq.projects.safetext import VisibleWriter, safe_json, visible

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import TextIO

    from mlreq.projects import Identity, Project, SaveResult
    from mlreq.projects.reqcoverage import Coverage
    from mlreq.projects.status import ProjectStatus

VERSION = "mlreq 0.1.0"

COMMANDS = ("new", "demo", "open", "status", "show", "answer", "impact", "review", "export", "import", "check", "iteration", "log", "diff", "form", "remote", "sync", "clone", "resolve", "req", "serve", "completion")

# The commands and their options are listed by argparse from the parser itself (and by
# `mlreq COMMAND --help`), so the help never falls out of step with them.
EPILOG = """\
`mlreq [PATH]` opens the form in the terminal app, as `mlreq open`; `mlreq COMMAND --help`
shows a command's options.

The project is PATH or --project PATH, by default the current folder; like git, mlreq
searches upwards for it. Commits are authored by --author "Name <mail>" (before or after
the command), else $MLREQ_AUTHOR, else git config.

exit codes: 0 ok, 1 failed, 2 bad usage or input, 3 not a project or broken file,
4 conflict (nothing written), 5 saved on disk but not committed (retried next save),
6 repository busy: merge/rebase/... in progress, detached HEAD or another mlreq (nothing written),
7 synced, but answers changed on both sides were kept as conflicts (mlreq resolve)
"""


SAVED_NOT_COMMITTED = 5


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every bad input
        raise InvalidInputError(f"{message} (see `mlreq --help`)")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter for every option it adds, and without a width each one
        # imports shutil (and with it bz2, lzma, zlib) to ask the terminal's: ~3 ms a command.
        return self.formatter_class(prog=self.prog, width=_help_width())


def _help_width() -> int:
    """What argparse would use: the terminal's width (or $COLUMNS) minus 2."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


# The module that adds each command's parser and runs it (`run_<command>`): imported only
# when its command runs, or for the full parser (`--help`, completion scripts, errors).
COMMAND_MODULES = {
    "review": "cli_review",
    "export": "cli_export",
    "import": "cli_import",
    "iteration": "cli_history",
    "log": "cli_history",
    "diff": "cli_history",
    "form": "cli_form",
    "remote": "cli_sync",
    "sync": "cli_sync",
    "clone": "cli_sync",
    "resolve": "cli_sync",
    "req": "cli_req",
    "completion": "cli_completion",
}
COMMAND_ORDER = ("cli_review", "cli_export", "cli_import", "check", "cli_history", "cli_form", "cli_sync", "cli_req", "cli_completion")


class _Unused:
    """Takes the options of a command that is not running (each parser costs a millisecond)."""

    def add_argument(self, *args: object, **kwargs: object) -> None:
        pass


_UNUSED = _Unused()


def _module(name: str):  # type: ignore[no-untyped-def]
    import importlib

    return importlib.import_module(f"mlreq.tui.{name}")


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `only`, the parsers of that command's module and cli.py's own."""
    from mlreq.bank import BUILTIN_FORMS, STATUSES

    parser = _Parser(
        prog="mlreq",
        description="The MLOps Requirements Form in your terminal, every change versioned in git.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--author", help='commit as "Name <mail>" (default: $MLREQ_AUTHOR, then git config)')
    parser.add_argument("--version", action="version", version=VERSION)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, title="commands", metavar="COMMAND")

    def command(name: str, help_text: str, path: bool = True) -> argparse.ArgumentParser:
        if only is not None and only != name:  # another command runs: its options go nowhere
            return _UNUSED  # type: ignore[return-value]
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if path:  # the project as PATH or --project PATH, as every other command takes it
            cmd.add_argument("path", nargs="?", type=Path, help="project folder (default: here)")
            cmd.add_argument("--project", type=Path, help="the same as PATH")
        return cmd

    new = command("new", "create a requirements project", path=False)
    new.add_argument("path", type=Path, help="folder to create the project in")
    new.add_argument("--name", help="the project's display name (default: the folder name)")
    new.add_argument("--form", default="v3", help=f"question set: {', '.join(BUILTIN_FORMS)} or a form file (default v3)")

    demo = command("demo", "create (once) and open a filled-in demo project", path=False)
    demo.add_argument("path", nargs="?", type=Path, help="where (default: ~/.local/share/mlreq/demo)")
    demo.add_argument("--no-open", action="store_true", help="only create it and print its status")

    open_cmd = command("open", "open the form in the terminal app")
    open_cmd.add_argument("--sync-every", type=float, metavar="N",
                          help="sync with the remote every N seconds while there are changes (as `mlreq sync --watch`)")

    status = command("status", "completeness per stage and role, and the open questions")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    show = command("show", "show one question and its answer", path=False)
    show.add_argument("question", help="question id, e.g. data.data-source")
    show.add_argument("--json", action="store_true")
    show.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")

    answer = command("answer", "write one answer (or its status) and commit it", path=False)
    answer.add_argument("question", help="question id, e.g. scoping.business-problems")
    answer.add_argument("source", nargs="?", help="'-' to read the answer from standard input")
    answer.add_argument("--text", help="the answer text")
    answer.add_argument("--file", type=Path, help="read the answer from this UTF-8 file")
    answer.add_argument("--status", help=f"one of {', '.join(STATUSES)}")
    answer.add_argument("--notes", help="notes on the answer")
    answer.add_argument(
        "--agreed-by", action="append", metavar="ROLE",
        help="with --status agreed: a role that agreed (repeat for each); recorded in the answer",
    )
    answer.add_argument("--minor", action="store_true", help="a minor edit: flag nothing that builds on it (the commit says so)")
    answer.add_argument("--from", dest="from_revision", metavar="REV", help="restore the answer as it was at REV (iteration, commit or date)")
    answer.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")

    impact = command("impact", "the answers a change to one answer would put in doubt", path=False)
    impact.add_argument("question", help="question id, e.g. data.data-source")
    impact.add_argument("--json", action="store_true")
    impact.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")

    for name in COMMAND_ORDER:
        if name == "check":
            check = command("check", "validate the project's files and repository")
            check.add_argument("--json", action="store_true", help="machine-readable output")
        elif only is None or COMMAND_MODULES.get(only) == name:
            _module(name).add_parsers(sub, _Parser)

    serve = command("serve", "the app in browsers, for participants without a terminal")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0: any free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: reach it through ssh -L)")
    serve.add_argument("--read-only", action="store_true", help="only the read-only view (it follows the question being edited)")
    _accept_after_commands(parser, "--author", help=argparse.SUPPRESS)
    return parser


def _accept_after_commands(parser: argparse.ArgumentParser, option: str, **kwargs: object) -> None:
    """`mlreq answer ... --author X` as well as `mlreq --author X answer ...`: every
    (sub)command takes the global option too; not given there, it leaves the global value."""
    seen: set[int] = set()
    parsers = [parser]
    while parsers:
        for action in parsers.pop()._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    if id(child) not in seen:
                        seen.add(id(child))
                        child.add_argument(option, default=argparse.SUPPRESS, **kwargs)  # type: ignore[arg-type]
                        parsers.append(child)


def _project_path(args: argparse.Namespace) -> None:
    """Commands that take the project as a positional PATH take `--project PATH` too."""
    if args.command not in ("open", "status", "check", "serve", "export"):
        return
    if args.project is not None and args.path is not None and args.project != args.path:
        raise InvalidInputError(f"two projects given: {args.path} and --project {args.project}; give one")
    args.path = args.project or args.path or Path(".")


def _leading_options(argv: list[str]) -> list[str]:
    """`argv` from its first word that is not `--author [VALUE]`."""
    at = 0
    while at < len(argv) and (argv[at] == "--author" or argv[at].startswith("--author=")):
        at += 2 if argv[at] == "--author" else 1
    return argv[at:]


def _command_in(argv: list[str]) -> str | None:
    """The command `argv` runs, if it names one after only `--author`; None for `--help`."""
    rest = _leading_options(argv)
    return rest[0] if rest and rest[0] in COMMANDS else None


def _author(args: argparse.Namespace) -> Identity | None:
    if not args.author:
        return None
    from mlreq.projects import Identity

    identity = Identity.parse(args.author)
    if identity is None:
        raise InvalidInputError(f"--author {args.author!r}: expected \"Name <mail>\"")
    return identity


def _report_save(result: SaveResult, out: TextIO) -> int:
    if result.commit_error is not None:
        print(f"mlreq: {visible(str(result.commit_error))}", file=sys.stderr)
        return SAVED_NOT_COMMITTED
    if result.commit:
        print(f"committed {result.commit[:10]}: {', '.join(result.committed)}", file=out)
    elif not result.changed:
        print("nothing changed", file=out)
    return 0


def _print_status(status: ProjectStatus, out: TextIO) -> None:
    o = status.overall
    print(f"{visible(status.name)}: {o.answered}/{o.total} answered ({status.form_title})", file=out)
    counts = ", ".join(f"{n} {s}" for s, n in status.status_counts.items() if n)
    print(f"status: {counts}", file=out)
    print("\nBy stage:", file=out)
    for p in status.stages:
        print(f"  {p.label:<22} {p.answered:>3}/{p.total:<3} {p.bar(20)}", file=out)
    print("\nBy role:", file=out)
    for p in status.roles:
        print(f"  {p.label:<22} {p.answered:>3}/{p.total:<3} {p.bar(20)}", file=out)
    if status.sign_offs:
        print("\nSign-off by role (agreed answers it signed off):", file=out)
        for name, signed, agreed in status.sign_offs:
            print(f"  {name:<22} {signed:>3}/{agreed:<3}", file=out)
    if status.conflicts:
        print("\nChanged on both sides of a sync (both versions kept; `mlreq resolve QID`):", file=out)
        for qid in status.conflicts:
            print(f"  {qid}", file=out)
    if status.needs_review:
        print("\nNeeds review (most urgent first):", file=out)
        for q in status.needs_review:
            print(f"  {q.priority:<6} {q.id:<34} {visible(q.text)}", file=out)
    if status.open_questions:
        print(f"\nOpen ({len(status.open_questions)}), most urgent first:", file=out)
        for q in status.open_questions:
            print(f"  {q.priority:<6} {q.id:<34} {visible(q.text)}", file=out)
            if q.impact:
                print(f"         if unanswered: {visible(q.impact)}", file=out)
    if status.coverage is not None:
        _print_coverage(status.coverage, out)
    if status.uncommitted:
        print(f"\nNot committed yet: {', '.join(c.question_id for c in status.uncommitted)}", file=out)
    if status.orphans:
        print(f"\nAnswers to questions no longer in the form (kept): {', '.join(status.orphans)}", file=out)
    if status.git_problem:
        print(f"\nCould not check git: {status.git_problem}", file=out)


def _print_coverage(coverage: Coverage, out: TextIO) -> None:
    """Requirements coverage: what still needs a requirement written from it."""
    if coverage.problem:
        print(f"\nRequirements: cannot be read: {visible(coverage.problem)}", file=out)
        return
    counts = ", ".join(f"{n} {s}" for s, n in coverage.statuses.items() if n)
    print(f"\nRequirements: {coverage.written} in force" + (f" ({counts})" if counts else ""), file=out)
    if coverage.unrequired:
        print(f"\nAnswered without a requirement ({len(coverage.unrequired)}; `mlreq req new --from QID`):", file=out)
        for q in coverage.unrequired:
            print(f"  {q.id:<40} {visible(q.text)}", file=out)
    if coverage.uncovered:
        print(f"\nChallenges no requirement covers ({len(coverage.uncovered)}):", file=out)
        for item in coverage.uncovered:
            print(f"  {item.id:<4} {visible(item.title)}", file=out)


def _read_answer(args: argparse.Namespace) -> str | None:
    given = [name for name, value in (("--text", args.text), ("--file", args.file), ("-", args.source)) if value is not None]
    if len(given) > 1:
        raise InvalidInputError(f"give the answer once: {' and '.join(given)} were both given")
    if args.source is not None and args.source != "-":
        raise InvalidInputError(f"unexpected argument {args.source!r}; use --text, --file or - for standard input")
    if args.text is not None:
        return args.text
    if args.file is not None:
        from mlreq.projects.safefile import read_user_file

        data = read_user_file(args.file)  # capped: --file /dev/zero is an error, not all memory
    elif args.source == "-":
        from mlreq.projects.safefile import read_limited

        data = read_limited(sys.stdin.buffer, "standard input")
    else:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{args.file or 'standard input'}: not valid UTF-8 at byte {exc.start}") from None


def _show(project: Project, question_id: str, as_json: bool, out: TextIO) -> None:
    question = project.question(question_id)
    entry = project.entry(question_id)
    form = project.form
    roles = [form.role(r).name for r in question.roles if form.role(r)]
    stage = form.stage(question.stage)
    from mlreq.projects.signoff import sign_off

    signed = sign_off(form, question, entry)
    if as_json:
        data = {
            "id": question.id,
            "stage": question.stage,
            "question": question.text,
            "roles": roles,
            "examples": question.examples,
            "answer": entry.answer,
            "status": entry.status,
            "agreed_by": list(signed.agreed),
            "sign_off": signed.state or None,
            "notes": entry.notes,
            "traces": list(question.traces),
            "depends_on": list(question.depends_on),
            "depends_on_judgement": list(question.judgement),
            "needed_by": list(form.dependents_of(question.id)),
            "review": entry.review,
            "conflict": entry.conflict or None,
            "priority": question.priority,
            "impact": question.impact,
        }
        print(safe_json(data), file=out)
        return
    print(f"{question.id}  [{entry.status}]", file=out)
    print(f"{stage.name if stage else question.stage}: {question.text}", file=out)
    print(f"Roles: {', '.join(roles)}", file=out)
    if signed.agreed:
        print(f"Agreed by: {signed.describe()}", file=out)
    if question.examples:
        print(f"Examples: {question.examples}", file=out)
    if question.traces:
        titles = [f"{t} {form.trace(t).title}" for t in question.traces if form.trace(t)]
        print(f"Traces to: {', '.join(titles)}", file=out)
    if question.depends_on:
        marked = [f"{d} (mlreq's judgement)" if d in question.judgement else d for d in question.depends_on]
        print(f"Builds on: {', '.join(marked)}", file=out)
    if form.dependents_of(question.id):
        print(f"Needed by: {', '.join(form.dependents_of(question.id))}", file=out)
    if entry.review:
        print(f"Needs review: {visible(entry.review)}", file=out)
    print("", file=out)
    print(visible(entry.answer) if entry.answer else "(no answer yet)", file=out)
    if entry.notes:
        print(f"\nNotes: {visible(entry.notes)}", file=out)
    if entry.conflict:
        print(f"\nThe other side's version (changed on both sides of a sync):\n{visible(entry.conflict)}", file=out)


def run(argv: list[str], out: TextIO = sys.stdout) -> int:
    """Run one command; returns the exit code. Raises MlreqError for the caller to print."""
    if _leading_options(argv)[:1] == ["--version"]:  # as argparse would, without building it
        print(VERSION, file=out)
        return 0
    if argv[:1] == ["serve-session"]:  # run by `mlreq serve` for each browser, not listed in --help
        return _serve_session(argv[1:])
    if argv[:1] == ["merge-driver"]:  # run by git (see mergedriver.driver_command), not listed in --help
        from mlreq.projects.mergedriver import main as merge_driver

        return merge_driver(argv[1:])
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        if not Path(argv[0]).exists():  # a mistyped command must not open the app
            import difflib

            close = difflib.get_close_matches(argv[0], COMMANDS, n=1)
            hint = f"did you mean `mlreq {close[0]}`?" if close else "see `mlreq --help`"
            raise InvalidInputError(f"{argv[0]!r} is neither a command nor a folder; {hint}")
        argv = ["open", *argv]  # `mlreq PATH` opens the app
    ahead = _reads_ahead(argv)
    try:
        parser = _parser(_command_in(argv))
        args, extras = parser.parse_known_args(argv)
        if extras == ["-"] and args.command == "answer" and args.source is None:
            args.source = "-"  # `answer QID --project P -`: argparse fills positionals before options
        elif extras:
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        _project_path(args)
        author = _author(args)
        args.reads_ahead = ahead
        return _run_command(args, author, out)
    except CommitError as exc:
        if _saves(args):
            raise
        # Exit 5 means "saved but not committed": a command that only reads saved nothing.
        raise ProjectError(str(exc), title=exc.title) from None
    finally:
        if ahead is not None:  # whatever the command did not take (or a usage error): git must not outlive mlreq
            ahead.stop()


_VALUE_OPTIONS = {"log": ("--project", "--author"), "diff": ("--project", "--author", "--stage", "--role", "--format", "--output", "-o")}
"""The options of `log` and `diff` that take a value (a separate word), for `_reads_ahead`."""


def _reads_ahead(argv: list[str]):  # type: ignore[no-untyped-def]
    """`mlreq log [QID]` and `mlreq diff`: their first git reads, started before the parser
    is built and the project's model loaded, so git works while Python does (issue 11).

    The project and question are read from `argv` plainly; an option it does not know, or
    `--help`, starts nothing. Only a head start: `History` uses a read only if its key is
    what it would read itself, and `run` stops whatever was not used."""
    rest = _leading_options(argv)
    command = rest[0] if rest else None
    if command not in _VALUE_OPTIONS:
        return None
    project, words = Path("."), []
    items = iter(rest[1:])
    for item in items:
        if item in _VALUE_OPTIONS[command]:
            value = next(items, None)
            if value is None:
                return None
            if item == "--project":
                project = Path(value)
        elif item.startswith("--project="):
            project = Path(item.partition("=")[2])
        elif item == "--json" or item.startswith(tuple(f"{option}=" for option in _VALUE_OPTIONS[command])):
            continue
        elif item.startswith("-"):
            return None
        else:
            words.append(item)
    if command == "diff":
        from mlreq.projects.logwalk import start_diff_reads_at

        return start_diff_reads_at(project)
    from mlreq.projects.logwalk import start_timeline_at, start_walk_at

    if len(words) > 1:
        return None
    return start_timeline_at(project, words[0]) if words else start_walk_at(project)


def _saves(args: argparse.Namespace) -> bool:
    """Whether the command writes to the project (so a commit failure means exit 5)."""
    command = args.command or "open"
    if command in ("status", "show", "impact", "export", "check", "log", "diff", "open", "clone", "completion", "serve"):
        return False
    if command == "review":
        return bool(args.confirm)
    if command == "iteration":
        return args.iteration_command != "list"
    if command == "remote":
        return args.remote_command != "show"
    if command == "form":
        return args.form_command != "diff" and not (args.form_command == "upgrade" and not args.yes)
    if command == "req":
        return _module("cli_req").req_writes(args)
    return True


def _run_command(args: argparse.Namespace, author: Identity | None, out: TextIO) -> int:
    command = args.command or "open"
    from mlreq.projects import Project

    if command != "export":  # exports are data, escaped by their format; the rest is for people
        # Stage names, question texts, answers, git's messages: piped (`mlreq show | less -R`)
        # or not, control characters from files become symbols and are never obeyed.
        out = VisibleWriter(out)  # type: ignore[assignment]
    if command == "new":
        from mlreq.projects import create_project

        _refuse_busy_repository_around(args.path)
        project, result = create_project(args.path, name=args.name, form=args.form, author=author)
        print(f"created {project.name!r} in {project.root} ({len(project.form.questions)} questions)", file=out)
        if project.repo_root != project.root:  # a user's own repository: say what changed in its config
            print(f"in the git repository {project.repo_root}: configured mlreq's merge driver (merge.mlreq.*, "
                  "so answers merge by question); no other git setting was changed", file=out)
        if result.commit_error is not None:
            print(f"mlreq: {result.commit_error}", file=sys.stderr)
            return SAVED_NOT_COMMITTED
        return 0
    if command == "demo":
        from mlreq.projects.demo import default_demo_path, ensure_demo

        if not args.no_open:
            need_terminal()
        project = ensure_demo(args.path or default_demo_path())
        if args.no_open:
            print(f"demo project: {project.root}", file=out)
            from mlreq.projects.status import project_status

            _print_status(project_status(project), out)
            return 0
        return _open_app(project)
    if command == "open":
        path = getattr(args, "path", Path("."))  # bare `mlreq` has no path argument
        need_terminal()
        _ensure_merge_driver(path)
        try:
            project = Project.open(path, author=author)
        except NotAProjectError:
            if path != Path("."):
                raise
            return _open_app(None)  # started outside a project: offer recent ones and "new"
        sync_every = getattr(args, "sync_every", None)
        if sync_every is not None and sync_every < 1:
            raise InvalidInputError(f"--sync-every {sync_every:g}: at least 1 second")
        return _open_app(project, sync_every)
    if command == "clone":
        return _module("cli_sync").run_clone(args, out)
    if command == "completion":
        # Completion values (run at every Tab) need no parser; the scripts need all of it.
        return _module("cli_completion").run_completion(args, None if args.values else _parser(), out)
    if command == "serve":
        return _serve(args, author, out)
    if command in ("show", "answer", "impact", "review", "import", "iteration", "log", "diff", "form", "remote", "sync", "resolve", "req"):
        _ensure_merge_driver(args.project)
        project = Project.open(args.project, author=author)
    elif command == "check":
        from mlreq.projects.check import check_project

        findings = check_project(args.path)
        errors = sum(f.severity == "error" for f in findings)
        if args.json:
            document = {
                "ok": not errors,
                "errors": errors,
                "warnings": len(findings) - errors,
                "findings": [{"severity": f.severity, "where": f.where, "message": f.message} for f in findings],
            }
            print(safe_json(document), file=out)
            return 1 if errors else 0
        for finding in findings:
            print(visible(str(finding)), file=out)
        print(f"{errors} error(s), {len(findings) - errors} warning(s)" if findings else "ok: no problems found", file=out)
        return 1 if errors else 0
    else:
        _ensure_merge_driver(args.path)
        project = Project.open(args.path, author=author)
    if command in ("status", "answer"):  # git reads HEAD's answers (and who commits) while mlreq works
        project.read_ahead(identity=command == "answer")
    try:
        return _run_on_project(command, args, project, out)
    finally:
        project.stop_reading_ahead()


def _run_on_project(command: str, args: argparse.Namespace, project: Project, out: TextIO) -> int:
    if _writes(command, args):
        from mlreq.projects.repostate import require_committable

        require_committable(project.repo_root)  # exit 6 before anything is written
        project.on_lock_wait = _tell_waiting
    if command == "status":
        from mlreq.projects.status import project_status

        status = project_status(project)
        if args.json:
            from mlreq.projects.status import status_json

            print(safe_json(status_json(status)), file=out)
        else:
            _print_status(status, out)
        return 0
    if command == "show":
        _show(project, args.question, args.json, out)
        return 0
    if command == "answer":
        text = _read_answer(args)
        status = args.status
        if args.from_revision is not None:
            if text is not None:
                raise InvalidInputError("give either --from or a new text, not both")
            from mlreq.projects.history import History

            history = History(project)
            text = history.entry_at(args.question, args.from_revision).answer
            restored_from = history.restoration_at(args.from_revision)
            status = status or "draft"  # restored words need agreeing again
        else:
            restored_from = None
        agreed_by = None
        if args.agreed_by:
            if status not in (None, "agreed"):
                raise InvalidInputError(f"--agreed-by goes with --status agreed, not --status {status}")
            agreed_by, status = project.check_roles(args.agreed_by), "agreed"
        if text is None and status is None and args.notes is None:
            raise InvalidInputError("nothing to write: give --text, --file, - (stdin), --from, --status or --notes")
        project.question(args.question)
        result = project.save(
            args.question, answer=text, status=status, notes=args.notes, restored_from=restored_from,
            minor=args.minor, agreed_by=agreed_by,
        )
        if restored_from is not None and result.commit and args.question in result.committed:
            print(f"restored the answer of {args.question} from {visible(restored_from.long)}", file=out)
        code = _report_save(result, out)
        if result.flagged:
            print(f"needs review now (they build on {args.question}): {', '.join(result.flagged)}", file=out)
        if result.may_be_affected:
            print(f"may be affected further down (not flagged): {', '.join(result.may_be_affected)}", file=out)
        if args.minor and result.commit:
            print("minor edit: nothing was flagged for review", file=out)
        return code
    if command == "impact":
        return _impact(project, args.question, args.json, out)
    if command not in COMMAND_MODULES:
        raise InvalidInputError(f"unknown command {command!r}")
    return getattr(_module(COMMAND_MODULES[command]), f"run_{command}")(args, project, out)


def _ensure_merge_driver(path: Path) -> None:
    """A clone made by plain `git clone` gets mlreq's merge driver configured; said once.

    Done before the project is opened, so that a file git line-merged (conflict markers)
    can be merged again by question with the way out its error message gives.
    """
    from mlreq.projects.mergedriver import ensure_merge_driver_at

    notice = ensure_merge_driver_at(path)
    if notice:
        print(f"mlreq: {notice}", file=sys.stderr)


def _writes(command: str, args: argparse.Namespace) -> bool:
    """Whether this command writes to the project or commits (read commands work in any state)."""
    if command in ("answer", "resolve", "sync", "import"):
        return True
    if command == "review":
        return bool(args.confirm)
    if command == "iteration":
        return args.iteration_command == "new"
    if command == "remote":
        return args.remote_command == "set"
    if command == "req":
        return _module("cli_req").req_writes(args)
    if command == "form":
        reads = args.form_command in ("diff", "save-as") or (args.form_command == "optional" and not args.enable)
        return not reads and not (args.form_command == "upgrade" and not args.yes)
    return False


def _refuse_busy_repository_around(path: Path) -> None:
    """`mlreq new` inside an existing repository commits there: the same preflight."""
    from mlreq.projects.gitrepo import find_git_root
    from mlreq.projects.repostate import require_committable

    existing = path.expanduser().absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    repo_root = find_git_root(existing)
    if repo_root is not None:
        require_committable(repo_root)


def _tell_waiting(line: str) -> None:
    print(f"mlreq: {line}", file=sys.stderr, flush=True)


def _impact(project: Project, question_id: str, as_json: bool, out: TextIO) -> int:
    question = project.question(question_id)
    from mlreq.projects.impact import affected_by

    affected = affected_by(project.form, question.id, project.entries())
    if as_json:
        data = [
            {
                "id": a.question_id,
                "depth": a.depth,
                "status": a.entry.status,
                "would_be_flagged": a.would_be_flagged,
                "may_be_affected": a.may_be_affected,
            }
            for a in affected
        ]
        print(safe_json(data), file=out)
        return 0
    if not affected:
        print(f"No question builds on {question.id}: changing it flags nothing.", file=out)
        return 0
    flagged = [a for a in affected if a.would_be_flagged]
    further = [a for a in affected if a.may_be_affected]
    print(
        f"A change of meaning to {question.id} would flag {len(flagged)} answered question(s) that build on it "
        f"directly; {len(further)} further down may be affected (not flagged):",
        file=out,
    )
    for a in affected:
        mark = "flag" if a.would_be_flagged else "may " if a.may_be_affected else "    "
        text = project.form.question(a.question_id).text
        print(f"  {mark} {'  ' * (a.depth - 1)}{a.question_id:<34} [{a.entry.status}] {visible(text)}", file=out)
    print("(whitespace or punctuation edits, a first answer and `--minor` edits flag nothing)", file=out)
    return 0


class NoTerminalError(MlreqError):
    exit_code = 2
    title = "No terminal"


def need_terminal() -> None:
    """The app draws on a terminal and reads keys from it; from a pipe it would wait forever."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise NoTerminalError(
            "the app needs a terminal (standard input and output are not one here); "
            "from scripts use the commands, e.g. `mlreq status`, `mlreq answer`, `mlreq export`"
        )


def _serve(args: argparse.Namespace, author: Identity | None, out: TextIO) -> int:
    try:
        from mlreq.tui.serve import serve
    except ImportError:
        raise ProjectError('mlreq serve needs textual-serve: pip install "mlreq[serve]"') from None
    if not 0 <= args.port <= 65535:
        raise InvalidInputError(f"--port {args.port}: expected 0 to 65535")
    from mlreq.projects import Project

    _ensure_merge_driver(args.path)
    project = Project.open(args.path, author=author)
    return serve(project, host=args.host, port=args.port, read_only=args.read_only, out=out)


def _serve_session(argv: list[str]) -> int:
    """One browser's app: the project, the browser's id (its remembered author), view or edit."""
    import os

    from mlreq.projects.browsers import check_browser_id
    from mlreq.tui.app import run_browser_session

    parser = _Parser(prog="mlreq serve-session")
    parser.add_argument("path", type=Path)
    parser.add_argument("--browser-id", required=True)
    parser.add_argument("--read-only", action="store_true")
    args = parser.parse_args(argv)
    from mlreq.projects import Project

    if "web_driver" not in os.environ.get("TEXTUAL_DRIVER", ""):
        need_terminal()  # started by hand: a terminal, as for `mlreq open`
    project = Project.open(args.path)
    return run_browser_session(project, check_browser_id(args.browser_id), follow=args.read_only)


def _open_app(project: Project | None, sync_every: float | None = None) -> int:
    from mlreq.tui.app import run_app

    return run_app(project, sync_every=sync_every)


def main(argv: list[str] | None = None) -> None:
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 file name must not end in a traceback
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        # On a terminal, control characters from files are shown as symbols, never obeyed.
        out = VisibleWriter(sys.stdout) if sys.stdout.isatty() else sys.stdout
        code = run(sys.argv[1:] if argv is None else argv, out=out)
    except ConflictError as exc:
        conflict = exc.conflict
        print(f"mlreq: {exc}", file=sys.stderr)
        print(f"--- on disk now:\n{visible(conflict.theirs.answer)}\n--- yours (not written):\n{visible(conflict.mine.answer)}", file=sys.stderr)
        code = exc.exit_code
    except MlreqError as exc:
        print(f"mlreq: {visible(str(exc))}", file=sys.stderr)
        code = exc.exit_code
    except (RecursionError, MemoryError) as exc:
        # Last resort: file readers name the file; whatever still gets here is one line too.
        print(f"mlreq: input too large or nested too deeply to handle ({type(exc).__name__})", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    if _command_in(sys.argv[1:] if argv is None else argv) in READ_COMMANDS:
        _end_now(code)
    sys.exit(code)


READ_COMMANDS = ("show", "status", "log", "diff", "impact", "completion")
"""Commands that end without the interpreter's teardown (`_end_now`): they only read (a diff's
report is written and closed before), start no app, and wait for every git process."""


def _end_now(code: int) -> None:
    """End a read command with its output flushed, skipping what Python does at exit:
    freeing every module and object, which the system does anyway (10-15 ms of a `mlreq log
    QID`, issue 11). Nothing is lost by it: no exit handler is registered, no file is left
    open for writing and no git process is left running."""
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away (`| head`), or it was closed
            pass
    os._exit(code)
