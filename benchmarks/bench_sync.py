#!/usr/bin/env python
"""Sync speed of mlreq against plain `git pull --no-rebase && git push`, in the same run.

Builds (with `git fast-import` through `_benchlib.make_project`, a few seconds) a project
with --commits commits: two in three re-answer one question in its stage file with mlreq's
commit message and `Mlreq-Question:` trailer, one in three edits ML code beside it. Then a
bare remote (`git clone --bare`) and two clones made by `mlreq clone` (so the merge driver
is configured in both, as for a team).

Each run re-creates the situation the issue names: one new commit on each side. Machine
`a` pulls (untimed), saves an answer and pushes it; machine `b` saves an answer to another
question of the same stage file (so the merge runs the merge driver). Then one of these
is timed in `b`, interleaved run by run so machine noise hits all alike:

| measured                                        | what it does                                 |
|-------------------------------------------------|----------------------------------------------|
| `Sync(project).sync()` (in-process, as the TUI) | fetch, merge by question, push               |
| `mlreq sync` (a whole process)                  | the same, plus Python's start and imports    |
| baseline: `git pull --no-rebase && git push`    | two git processes; the driver runs here too  |

Every run is checked: afterwards the remote's main is b's HEAD and holds both answers.
Aim (issue 6, "Speed"): under 2 s for a project with 10,000 commits on a local bare remote.

Run: .venv/bin/python benchmarks/bench_sync.py [--commits 10000] [--runs 7] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _benchlib as bench  # noqa: E402

MLREQ = Path(sys.executable).parent / "mlreq"
# Two questions of the same stage file that build on nothing the other side answers anew.
QUESTION_A = "data.ownership"
QUESTION_B = "data.data-volume"
AIM_SECONDS = 2.0


def run(cwd: Path, *argv: str) -> None:
    result = subprocess.run(list(argv), cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed in {cwd}: {result.stderr.decode(errors='replace')}")


def one_new_commit_each_side(a: Path, b: Path, n: int) -> tuple[str, str]:
    """`a` pushes a new answer; `b` commits another one locally. Nothing here is timed."""
    from mlreq.projects import Project

    run(a, "git", "pull", "--quiet", "--no-rebase")
    text_a, text_b = f"{bench.answer_text(n)} (a, run {n})", f"{bench.answer_text(n + 1)} (b, run {n})"
    for side, qid, text in ((a, QUESTION_A, text_a), (b, QUESTION_B, text_b)):
        result = Project.open(side).save(qid, answer=text)
        if result.commit_error is not None or result.commit is None:
            sys.exit(f"save in {side} failed: {result.commit_error}")
    run(a, "git", "push", "--quiet", "origin", "main")
    return text_a, text_b


def check(hub: Path, b: Path, texts: tuple[str, str]) -> None:
    head = bench.git(b, "rev-parse", "HEAD").strip()
    if bench.git(hub, "rev-parse", "main").strip() != head:
        sys.exit("after the sync the remote is not at b's HEAD")
    files = bench.git(hub, "show", "main:answers/data.toml")
    for text in texts:
        if text.splitlines()[0] not in files:
            sys.exit(f"an answer did not reach the remote: {text[:40]!r}")
    if bench.git(b, "status", "--porcelain").strip():
        sys.exit("b's working tree is not clean after the sync")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7, help="runs of each method (at least 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    runs = max(5, args.runs)
    tmp = Path(tempfile.mkdtemp(prefix="mlreq-bench-sync-"))
    bench.isolate_git(tmp)
    print(f"start: {bench.load_line()}")
    try:
        from mlreq.projects import Project
        from mlreq.projects.sync import Sync, clone

        built = time.perf_counter()
        origin = tmp / "origin"
        commits = bench.make_project(origin, args.commits)
        bench.git(origin, "gc", "--quiet")  # as git's automatic gc would have left it
        hub = tmp / "hub.git"
        bench.git(tmp, "clone", "--quiet", "--bare", str(origin), str(hub))
        a, b = clone(str(hub), tmp / "a").root, clone(str(hub), tmp / "b").root
        print(f"built {commits} commits, a bare remote and two clones in {time.perf_counter() - built:.1f} s")

        def in_process() -> None:
            report = Sync(Project.open(b)).sync()
            if not (report.merged and report.pushed) or report.conflicts:
                sys.exit(f"unexpected sync report: {report}")

        def as_process() -> None:
            run(b, str(MLREQ), "sync")

        def baseline() -> None:
            run(b, "git", "pull", "--quiet", "--no-rebase", "--no-edit")
            run(b, "git", "push", "--quiet", "origin", "main")

        methods: list[tuple[str, Callable[[], None]]] = [
            ("Sync(project).sync(), in-process", in_process),
            ("mlreq sync, a whole process", as_process),
            ("git pull --no-rebase && git push", baseline),
        ]
        times: dict[str, list[float]] = {label: [] for label, _ in methods}
        n = 0
        for round_number in range(runs):
            order = methods[round_number % len(methods):] + methods[: round_number % len(methods)]
            for label, action in order:
                n += 1
                texts = one_new_commit_each_side(a, b, n)
                start = time.perf_counter()
                action()
                times[label].append(time.perf_counter() - start)
                check(hub, b, texts)
        total = int(bench.git(b, "rev-list", "--count", "HEAD"))
        base = bench.stats(times["git pull --no-rebase && git push"])
        print(f"\nsync with one new commit on each side; {total} commits in b at the end; {runs} runs each\n")
        print(f"| {'method':<36} | {'median':>9} | {'p95':>9} | {'min':>9} | {'max':>9} | {'x baseline':>10} | aim < 2 s |")
        print(f"|{'-' * 38}|{'-' * 11}|{'-' * 11}|{'-' * 11}|{'-' * 11}|{'-' * 12}|{'-' * 11}|")
        for label, _ in methods:
            s = bench.stats(times[label])
            ok = "yes" if s.median < AIM_SECONDS * 1000 else "NO"
            print(f"| {label:<36} | {s.median:6.0f} ms | {s.p95:6.0f} ms | {s.min:6.0f} ms | {s.max:6.0f} ms "
                  f"| {s.median / base.median:9.2f}x | {ok:<9} |")
        print(f"\nend: {bench.load_line()}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
