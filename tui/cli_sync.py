"""`mlreq remote`, `mlreq sync`, `mlreq clone` and `mlreq resolve`: one project, many machines."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TextIO

from mlreq.bank.errors import MlreqError
from mlreq.projects import InvalidInputError, Project
from mlreq.projects.safetext import visible

SYNCED_WITH_CONFLICTS = 7
"""`mlreq sync` merged and kept both versions of something changed on both sides: the
sync is done (committed, pushed), but a script should not carry on as if all were settled."""
WATCH_EVERY = 10.0
"""Seconds between looks at the remote with `mlreq sync --watch`."""
WATCH_MIN = 0.2


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    remote = sub.add_parser("remote", help="the git remote the project syncs with")
    actions = remote.add_subparsers(dest="remote_command", required=True, parser_class=parser_class)
    set_remote = actions.add_parser("set", help="https://, ssh://, user@host:path or a local path")
    set_remote.add_argument("url")
    set_remote.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    show = actions.add_parser("show", help="the remote, ahead/behind and the last sync")
    show.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")

    sync = sub.add_parser(
        "sync",
        help="fetch, merge by question, push",
        description="Edits to different questions merge silently; the same answer changed on both sides keeps "
        "both versions until resolved (mlreq resolve). A project inside a larger repository pushes only with --push.",
    )
    sync.add_argument("--push", action="store_true", default=None, help="push even when the project shares its repository")
    sync.add_argument("--no-push", dest="push", action="store_false", help="fetch and merge only")
    sync.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    sync.add_argument("--json", action="store_true", help="machine-readable report")
    sync.add_argument("--watch", action="store_true", help="keep syncing every N seconds while there are changes, until Ctrl+C")
    sync.add_argument("--every", type=float, default=WATCH_EVERY, metavar="N",
                      help=f"seconds between looks with --watch (default {WATCH_EVERY:g}, at least {WATCH_MIN:g})")

    clone_cmd = sub.add_parser("clone", help="get a project from a remote, with merging by question set up")
    clone_cmd.add_argument("url")
    clone_cmd.add_argument("path", type=Path)

    resolve = sub.add_parser("resolve", help="settle an answer changed on both sides of a sync")
    resolve.add_argument("question")
    choice = resolve.add_mutually_exclusive_group(required=True)
    choice.add_argument("--mine", action="store_true", help="keep this machine's version")
    choice.add_argument("--theirs", action="store_true", help="take the other side's version")
    choice.add_argument("--text", help="the merged text")
    resolve.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")


def run_clone(args: argparse.Namespace, out: TextIO) -> int:
    from mlreq.projects.sync import clone

    project = clone(args.url, args.path)
    print(f"cloned {project.name!r} into {project.root}; answers merge by question on sync and git pull", file=out)
    return 0


def run_remote(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects.sync import Sync

    sync = Sync(project)
    if args.remote_command == "set":
        sync.set_remote(args.url)
        print(f"remote set: {sync.remote_url()}; run `mlreq sync` to share", file=out)
        return 0
    state = sync.state()
    if state.remote is None:
        print("no remote set; use `mlreq remote set URL`", file=out)
        return 0
    last = datetime.fromtimestamp(state.last_sync).strftime("%Y-%m-%d %H:%M") if state.last_sync else "never"
    print(f"{state.remote} ({state.branch}): {state.ahead} ahead, {state.behind} behind; last sync {last}", file=out)
    return 0


def run_sync(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    from mlreq.projects.sync import Sync

    if args.watch:
        return run_watch(args, project, out)
    if args.every != WATCH_EVERY:
        raise InvalidInputError("--every goes with --watch")
    report = Sync(project).sync(push=args.push)
    if args.json:
        from dataclasses import asdict

        from mlreq.projects.safetext import safe_json

        print(safe_json({**asdict(report), "flagged": list(report.flagged)}), file=out)
    else:
        _print_report(report, out)
    return SYNCED_WITH_CONFLICTS if _kept_both(report) else 0


def _kept_both(report) -> bool:  # type: ignore[no-untyped-def]
    """Something changed on both sides was kept twice, waiting for a person to settle it."""
    return bool(report.conflicts or report.form_conflicts or (report.requirements and report.requirements.conflicts))


def run_watch(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    """Sync every `--every` seconds while either side has changes, until Ctrl+C.

    Ctrl+C never cuts a sync short: git runs detached from the terminal, and the loop stops
    once the running sync is done. A failed round (network down, a merge the user started)
    is one line on stderr and is tried again next round; conflicts keep both versions, as
    with `mlreq sync`."""
    import signal
    import sys
    import threading

    from mlreq.projects.sync import Sync, SyncError

    if args.every < WATCH_MIN:
        raise InvalidInputError(f"--every {args.every:g}: at least {WATCH_MIN:g} seconds")
    sync = Sync(project)
    if sync.remote_url() is None:
        raise SyncError("no remote set: run `mlreq remote set URL` first")
    push = args.push if args.push is not None else project.root == project.repo_root
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"syncing with {sync.state().remote} every {args.every:g} s while there are changes; Ctrl+C stops", file=out, flush=True)
    try:
        while not stop.is_set():
            try:
                if sync.has_changes(push):
                    report = sync.sync(push=args.push)
                    print(datetime.now().strftime("%H:%M:%S"), end=" ", file=out)
                    _print_report(report, out)
                    out.flush()
            except MlreqError as exc:
                print(f"mlreq: {datetime.now():%H:%M:%S} {visible(str(exc))} (trying again in {args.every:g} s)", file=sys.stderr, flush=True)
            stop.wait(args.every)
    finally:
        signal.signal(signal.SIGINT, previous)
    print("stopped watching", file=out, flush=True)
    return 0


def _print_report(report, out: TextIO) -> None:  # type: ignore[no-untyped-def]
    parts = [f"fetched {report.fetched_commits} commit(s)" if report.fetched_commits else "nothing new on the remote"]
    if report.merged:
        parts.append("merged by question")
    if report.pushed:
        parts.append("pushed")
    print("; ".join(parts), file=out)
    if report.after_merge:
        print(f"warning: {visible(report.after_merge)}", file=out)
    if report.flagged:
        print(f"needs review now (they build on answers changed elsewhere): {', '.join(report.flagged)}", file=out)
    if report.conflicts:
        print(f"changed on both sides, both versions kept: {', '.join(report.conflicts)}", file=out)
        print("settle each with `mlreq resolve QID --mine|--theirs|--text TEXT` or in the app", file=out)
    if report.form_conflicts:
        print(f"form questions changed on both sides, both versions kept in form.toml: {', '.join(visible(q) for q in report.form_conflicts)}", file=out)
        print("settle each with `mlreq form reword QID --text TEXT`, or keep one version by hand and delete its "
              "[questions.mlreq.conflict] table (`mlreq check` lists them)", file=out)
    if report.requirements is not None:
        for old, new in report.requirements.renumbered:
            print(f"{old} was given on the other side too (to another requirement); yours is now {new}", file=out)
        if report.requirements.conflicts:
            print(f"requirements changed on both sides, both versions kept: {', '.join(report.requirements.conflicts)} "
                  "(`mlreq req show ID`; settle with `mlreq req edit ID`)", file=out)
    if report.tag_clashes:
        names = ", ".join(visible(t) for t in report.tag_clashes)
        print(f"iterations named the same here and on the remote, each side keeps its own: {names} "
              "(to take the remote's instead: git tag -d NAME, then sync)", file=out)
    if report.not_pushed:
        print("not pushed (the project shares its repository); these commits would go with `mlreq sync --push`:", file=out)
        for line in report.not_pushed:
            print(f"  {visible(line)}", file=out)


def run_resolve(args: argparse.Namespace, project: Project, out: TextIO) -> int:
    entry = project.entry(args.question)
    if not entry.conflict:
        raise InvalidInputError(f"{args.question} has no conflict to resolve")
    text = entry.answer if args.mine else entry.conflict if args.theirs else args.text
    result = project.save(args.question, answer=text, status="draft")
    if result.commit_error is not None:
        raise result.commit_error
    print(f"resolved {args.question} (commit {result.commit[:10] if result.commit else '-'})", file=out)
    return 0
