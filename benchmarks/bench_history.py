#!/usr/bin/env python
"""History speed of mlreq (log, diff, timeline) against plain git, measured in the same run.

Builds (with `git fast-import`, a few seconds) a project with SAVES commits after its
creation and an iteration every EVERY commits: each commit rewrites one question's answer
in its stage file (a word replaced, a sentence added or dropped, now and then a status
change), with mlreq's own commit message and `Mlreq-Question:` trailer, by one of five
authors; every EVERY-th commit gets an annotated tag `iteration/iteration-N` with the
message "Iteration N\\n\\nMlreq-Iteration: Iteration N". The repository is then packed
(`git gc`), as git's automatic gc would have left a repository with that many commits.

Then, interleaved run by run so machine noise hits both sides alike (median and p95 of
--runs runs each):

| measured (mlreq)                                   | baseline (plain git, a whole process)       |
|----------------------------------------------------|---------------------------------------------|
| `mlreq log` (whole process, output to a pipe)      | `git log --format=<mlreq's> -- <project>`   |
| `History.grouped_log()` (in-process)               | the same `git log`                          |
| `History.log(limit=60)` (first screen of the log)  | `git log -n60 --format=... -- <project>`    |
| `History.diff(first, last)` (in-process)           | `git diff TAG1 TAG2 -- <project>`           |
| `mlreq diff FIRST LAST` (whole process)            | the same `git diff`                         |
| `History.timeline(QID)` (in-process)               | `git log --format=... -- <stage file>`      |
| `mlreq log QID` (whole process)                    | the same `git log`                          |
| the same, cold: no version kept yet (information)  | the same `git log`                          |
| the app's history view, first screen (--tui)       | the same `git log` as for `mlreq log`       |

Aims (issue 4): the diff <= 50 ms, the whole log <= 150 ms, the first screen of the
history or of a timeline <= 100 ms, each within 3x of plain git.

Run: .venv/bin/python benchmarks/bench_history.py [--saves 10000] [--every 100] [--runs 15]
     [--profile] [--tui] [--keep] [--repo PATH (reuse one built by --keep)]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import re
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

QID = "data.data-source"
AUTHORS = [("Ada Analyst", "ada@example.com"), ("Ben Builder", "ben@example.com"), ("Cai Owner", "cai@example.com"),
           ("Dee Engineer", "dee@example.com"), ("Eve Legal", "eve@example.com")]
AIMS = {"diff": 50.0, "log": 150.0, "screen": 100.0, "diff-process": 100.0}
AIM_RATIO = 3.0
RATIO_AIMS = {"log-process": 1.5, "timeline-process": 1.5}
"""Issue 11: `mlreq log` and `mlreq log QID` within 1.5x the git log that reads the same
commits; `mlreq diff` within 100 ms; the in-process diff within 3x git diff (AIM_RATIO)."""
LOG_FORMAT = "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%(trailers:key=Mlreq-Question,valueonly,separator=%x2c)%x1f%(trailers:key=Mlreq-Requirement,valueonly,separator=%x2c)%x1e"
"""What `mlreq log` asks git for (`logwalk.FIELDS`): the baseline reads the same commits the same way."""
TIMELINE_FORMAT = "--format=%H%x1f%an%x1f%aI%x1f%(trailers:key=Mlreq-Question,valueonly,separator=%x2c)%x1e"


# ---------------------------------------------------------------------------- the repository


def build(repo: Path, saves: int, every: int, seed: int = 4) -> tuple[int, int]:
    """Create the project and its history; returns (commits, iterations)."""
    from mlreq.projects import Change, Entry, create_project
    from mlreq.projects.commitmessage import commit_message

    project, result = create_project(repo, name="Bench history")
    if result.commit_error is not None:
        sys.exit(f"create_project could not commit: {result.commit_error}")
    form = project.form
    templates = {stage.id: _template(project, stage.id) for stage in form.stages}
    stage_of = {q.id: q.stage for q in form.questions}
    qids = [q.id for q in form.questions]
    entries = {qid: Entry() for qid in qids}
    rng = random.Random(seed)
    head = bench.git(repo, "rev-parse", "HEAD").strip()
    stream = bytearray()
    when = 1_700_000_000
    tags = 0
    for n in range(1, saves + 1):
        when += rng.randint(60, 600)
        qid = rng.choice(qids) if rng.random() < 0.7 else qids[n % len(qids)]
        before = entries[qid]
        after = _next_entry(before, rng, n)
        while after == before:  # every save changes something, as mlreq's saves do
            after = _next_entry(before, rng, n)
        entries[qid] = after
        name, email = AUTHORS[rng.randrange(len(AUTHORS))]
        message = commit_message([Change(qid, before, after)], form).encode()
        content = _render(templates[stage_of[qid]], entries).encode()
        path = f"answers/{stage_of[qid]}.toml"
        stream += f"commit refs/heads/main\nmark :{n}\n".encode()
        stream += f"author {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n".encode()
        stream += f"data {len(message)}\n".encode() + message + b"\n"
        if n == 1:
            stream += f"from {head}\n".encode()
        stream += f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n\n"
        if n % every == 0:
            tags += 1
            tag_message = f"Iteration {tags}\n\nMlreq-Iteration: Iteration {tags}\n".encode()
            stream += f"tag iteration/iteration-{tags}\nfrom :{n}\n".encode()
            stream += f"tagger {name} <{email}> {when + 30} +0000\ndata {len(tag_message)}\n".encode() + tag_message + b"\n"
    bench.git(repo, "fast-import", "--quiet", "--force", input=bytes(stream))
    bench.git(repo, "reset", "--quiet", "--hard", "main")
    return int(bench.git(repo, "rev-list", "--count", "HEAD")), tags


def _template(project, stage_id: str) -> str:  # type: ignore[no-untyped-def]
    """The stage file as created, each question's three values replaced by placeholders."""
    text = (project.root / "answers" / f"{stage_id}.toml").read_text()
    for question in project.form.questions_in(stage_id):
        start = text.index(f'["{question.id}"]')
        end = text.find("\n[", start + 1)
        end = len(text) if end < 0 else end
        block = text[start:end]
        block = block.replace('status = "open"', f"status = @@status:{question.id}@@", 1)
        block = block.replace('answer = ""', f"answer = @@answer:{question.id}@@", 1)
        block = block.replace('notes = ""', f"notes = @@notes:{question.id}@@", 1)
        text = text[:start] + block + text[end:]
    return text


_PLACEHOLDER = re.compile(r"@@(status|answer|notes):([a-z0-9.-]+)@@")


def _render(template: str, entries) -> str:  # type: ignore[no-untyped-def]
    from mlreq.projects.tomlstr import toml_string

    return _PLACEHOLDER.sub(lambda m: toml_string(getattr(entries[m.group(2)], m.group(1))).as_string(), template)


def _next_entry(entry, rng: random.Random, n: int):  # type: ignore[no-untyped-def]
    """How an answer evolves in a workshop: a word changed, a sentence added or dropped."""
    lines = entry.answer.splitlines()
    roll = rng.random()
    if not lines or (roll < 0.35 and len(lines) < 8):
        lines.append(bench.answer_text(n, lines=1))
    elif roll < 0.45 and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    else:
        i = rng.randrange(len(lines))
        words = lines[i].split(" ")
        words[rng.randrange(len(words))] = rng.choice(bench._WORDS)
        lines[i] = " ".join(words)
    status = entry.status if entry.status != "open" else "draft"
    if rng.random() < 0.08:
        status = rng.choice(["draft", "agreed", "needs-review"])
    notes = entry.notes if rng.random() < 0.95 else f"Discussed in session {n}."
    return entry.with_changes(answer="\n".join(lines), status=status, notes=notes)


# ---------------------------------------------------------------------------- timing


def timed_process(argv: list[str], cwd: Path, env: dict[str, str]) -> Callable[[], float]:
    def run() -> float:
        t0 = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
        elapsed = time.perf_counter() - t0
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv[:4])} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
        return elapsed

    return run


def timed_call(action: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        t0 = time.perf_counter()
        action()
        return time.perf_counter() - t0

    return run


def measure(pairs: list[tuple[str, str, Callable[[], float], str, Callable[[], float]]], runs: int):  # type: ignore[no-untyped-def]
    rows = []
    for key, label, mine, base_label, base in pairs:
        mine(), base()  # warm-up: page cache, imports, first parse
        mine_times, base_times = [], []
        for _ in range(runs):
            base_times.append(base())
            mine_times.append(mine())
        rows.append((key, label, bench.stats(mine_times), base_label, bench.stats(base_times)))
        m, b = rows[-1][2], rows[-1][4]
        print(f"  {label:<44} {m.median:8.1f} ms (p95 {m.p95:7.1f})   {base_label:<34} {b.median:7.1f} ms (p95 {b.p95:6.1f})")
    return rows


def tui_first_screen(repo: Path, runs: int, profiler: cProfile.Profile | None = None) -> list[float]:
    """Seconds from pushing the history screen until its list of points is filled."""
    import asyncio

    from mlreq.projects import Project
    from mlreq.tui.app import MlreqApp
    from mlreq.tui.screens.history_screen import HistoryScreen
    from textual.widgets import OptionList

    times: list[float] = []

    async def one() -> None:
        project = Project.open(repo)
        app = MlreqApp(project, poll_interval=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            screen = HistoryScreen(project)
            await app.push_screen(screen)
            points = screen.query_one("#history-points", OptionList)
            while points.option_count == 0 or points.loading:
                await asyncio.sleep(0.001)
            await pilot.pause()
            times.append(time.perf_counter() - t0)
            if profiler:
                profiler.disable()

    for _ in range(runs + 1):
        asyncio.run(one())
    return times[1:]


def profile(label: str, action: Callable[[], object], reps: int = 5) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(reps):
        action()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(18)
    print(f"\n--- cProfile of {reps} x {label} (cumulative) ---")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:4000])


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=10_000, help="commits after the project's creation (default 10000)")
    parser.add_argument("--every", type=int, default=100, help="an iteration every N commits (default 100)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each measurement (default 15, at least 10)")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process operations whatever the result")
    parser.add_argument("--tui", action="store_true", help="also time the app's history view to its first screen")
    parser.add_argument("--no-gc", action="store_true", help="measure the repository as fast-import left it")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (and print it)")
    parser.add_argument("--repo", type=Path, help="reuse a project built by an earlier --keep run")
    args = parser.parse_args()
    runs = max(10, args.runs)

    tmp = Path(tempfile.mkdtemp(prefix="mlreq-bench-history-"))
    env = bench.isolate_git(tmp)
    # mlreq's processes run from cached bytecode, as an installed package does (pip compiles
    # it); kept outside the work tree, and written by each process's warm-up run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    print(f"mlreq history benchmark  ({bench.load_line()})")
    print(f"git: {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}; python {sys.version.split()[0]}")
    try:
        if args.repo:
            repo = args.repo.resolve()
            commits = int(bench.git(repo, "rev-list", "--count", "HEAD"))
            tags = len(bench.git(repo, "tag", "-l", "iteration/*").split())
            print(f"reusing {repo}: {commits} commits, {tags} iterations")
        else:
            repo = tmp / "project"
            started = time.perf_counter()
            commits, tags = build(repo, args.saves, args.every)
            built = time.perf_counter() - started
            if not args.no_gc:
                bench.git(repo, "gc", "--quiet")
            print(f"built {repo.name}: {commits} commits, {tags} iterations in {built:.1f} s"
                  + ("" if args.no_gc else f" (+ git gc, {time.perf_counter() - started - built:.1f} s)"))
        run_all(repo, env, runs, args)
    finally:
        if args.keep or args.repo:
            print(f"kept {tmp}" if args.keep else "")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run_all(repo: Path, env: dict[str, str], runs: int, args: argparse.Namespace) -> None:
    from mlreq.projects import Project
    from mlreq.projects.history import History

    project = Project.open(repo)
    history = History(project)
    iterations = history.iterations()
    if len(iterations) < 2:
        sys.exit("need at least two iterations")
    first, last = iterations[0], iterations[-1]
    stage_file = project.repo_path(project.file_of(project.question(QID)))
    scope = history.scope or "."
    files = [project.repo_path(f) for f in ("form.toml", *project.answer_files())]
    mlreq = str(Path(sys.executable).parent / "mlreq")

    diff = history.diff(first.name, last.name)
    timeline = history.timeline(QID)
    saves = sum(len(g.entries) for g in history.grouped_log())
    print(f"diff {first.name!r} -> {last.name!r}: {len(diff.changes)} questions changed; timeline of {QID}: {len(timeline)} versions; "
          f"log: {saves} saves in {len(iterations)} iterations")
    print(f"\n{runs} runs each, interleaved with the baseline; wall clock (perf_counter)\n")

    git_log = timed_process(["git", "log", LOG_FORMAT, "--", scope], repo, env)
    git_log_first = timed_process(["git", "log", "-n60", LOG_FORMAT, "--", scope], repo, env)
    git_diff = timed_process(["git", "diff", first.tag, last.tag, "--", *files], repo, env)
    git_timeline = timed_process(["git", "log", TIMELINE_FORMAT, "--", stage_file], repo, env)
    git_timeline_first = timed_process(["git", "log", "-n200", TIMELINE_FORMAT, "--", stage_file], repo, env)
    git_log_buffered = timed_process(["git", "log", LOG_FORMAT, "--", scope], repo, {**env, "GIT_FLUSH": "0"})

    def cold_diff() -> None:  # a fresh clone's first diff: the range of commits is walked, not remembered
        shutil.rmtree(repo / ".mlreq" / "history", ignore_errors=True)
        History(project).diff(first.name, last.name)

    timeline_process = timed_process([mlreq, "log", QID], repo, env)

    def cold_timeline_process() -> float:  # the first timeline of a question: no version kept yet (timelinecache)
        shutil.rmtree(Path(env["HOME"]) / ".cache" / "mlreq" / "timeline-1", ignore_errors=True)
        return timeline_process()
    pairs = [
        ("log-process", "mlreq log (process)", timed_process([mlreq, "log"], repo, env), "git log --format -- project", git_log),
        ("log", "History.grouped_log()", timed_call(lambda: History(project).grouped_log()), "git log --format -- project", git_log),
        ("screen", "History.log(limit=60) (first screen)", timed_call(lambda: History(project).log(limit=60)), "git log -n60 --format -- project", git_log_first),
        ("diff", "History.diff(first, last)", timed_call(lambda: History(project).diff(first.name, last.name)), "git diff TAG1 TAG2 -- files", git_diff),
        ("diff-process", "mlreq diff FIRST LAST (process)", timed_process([mlreq, "diff", first.name, last.name], repo, env), "git diff TAG1 TAG2 -- files", git_diff),
        ("whole", f"History.timeline({QID})", timed_call(lambda: History(project).timeline(QID)), "git log --format -- stage file", git_timeline),
        ("screen", "timeline first screen (window=200)", timed_call(lambda: History(project).timeline(QID, window=200)), "git log -n200 --format -- stage file", git_timeline_first),
        ("timeline-process", f"mlreq log {QID} (process)", timeline_process, "git log --format -- stage file", git_timeline),
        ("info", "History.diff(first, last), cold", timed_call(cold_diff), "git diff TAG1 TAG2 -- files", git_diff),
        ("info", f"mlreq log {QID} (process), cold", cold_timeline_process, "git log --format -- stage file", git_timeline),
        ("info", "git log (GIT_FLUSH=0, as mlreq runs it)", git_log_buffered, "git log --format -- project", git_log),
        ("info", "mlreq --version (process floor)", timed_process([mlreq, "--version"], repo, env), "git --version", timed_process(["git", "--version"], repo, env)),
        ("info", "python -c 'import mlreq.tui.cli' (imports)", timed_process([sys.executable, "-c", "import mlreq.tui.cli"], repo, env),
         "python -c pass", timed_process([sys.executable, "-c", "pass"], repo, env)),
    ]
    rows = measure(pairs, runs)
    if args.tui:
        tui = bench.stats(tui_first_screen(repo, min(runs, 10)))
        base = next(r[4] for r in rows if r[1] == "mlreq log (process)")
        rows.append(("screen", "app history view, first screen", tui, "git log --format -- project", base))
        print(f"  {'app history view, first screen':<44} {tui.median:8.1f} ms (p95 {tui.p95:7.1f})")

    print(f"\nSummary (aims: issue 4: diff <= {AIMS['diff']:.0f} ms, whole log <= {AIMS['log']:.0f} ms, first screen <= {AIMS['screen']:.0f} ms, "
          f"each <= {AIM_RATIO:.0f}x plain git; issue 11: mlreq log and log QID <= 1.5x, mlreq diff <= 100 ms)\n")
    print(f"| {'measurement':<40} | {'median':>9} | {'p95':>9} | {'git baseline (median)':<42} | {'ratio':>6} | {'aim':>12} | verdict |")
    print(f"|{'-' * 42}|{'-' * 11}|{'-' * 11}|{'-' * 44}|{'-' * 8}|{'-' * 14}|---------|")
    missed = []
    for key, label, mine, base_label, base in rows:
        ratio = mine.median / base.median
        aim = AIMS.get(key)
        ratio_aim = RATIO_AIMS.get(key, None if key == "diff-process" else AIM_RATIO)
        ok = key == "info" or ((aim is None or mine.median <= aim) and (ratio_aim is None or ratio <= ratio_aim))
        verdict = "info" if key == "info" else ("ok" if ok else "MISSED")
        if not ok:
            missed.append(label)
        base_text = f"{base_label} {base.median:.1f} ms"
        aim_text = " / ".join(([f"{aim:.0f} ms"] if aim else []) + ([f"{ratio_aim:g}x"] if ratio_aim and key != "info" else []))
        print(f"| {label:<40} | {mine.median:6.1f} ms | {mine.p95:6.1f} ms | {base_text:<42} | {ratio:5.1f}x | "
              f"{aim_text:>12} | {verdict:<7} |")
    print(f"\n{bench.load_line()} at the end")

    if missed or args.profile:
        print(f"\nMissed: {', '.join(missed) or 'none'}; profiling the in-process operations")
        profile("History.grouped_log()", lambda: History(project).grouped_log())
        profile("History.diff(first, last)", lambda: History(project).diff(first.name, last.name))
        profile(f"History.timeline({QID})", lambda: History(project).timeline(QID))
        if args.tui:
            profiler = cProfile.Profile()
            tui_first_screen(repo, 1, profiler)
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(25)
            print("\n--- cProfile of the app's history view to its first screen (2 runs; cumulative) ---")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:5000])


if __name__ == "__main__":
    main()
