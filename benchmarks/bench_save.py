#!/usr/bin/env python
"""Save+commit speed of mlreq against a plain `git commit --only`, measured in the same run.

For each history size (default 0, 1000, 10000 prior commits) it builds a real repository
in a temporary folder (the project made by `projects.create_project`, history written
with `git fast-import`), then, interleaved in rounds so machine noise hits both alike:

- baseline: rewrite `bench/baseline.toml` (a tracked file the size of an answer file) and
  run `git commit -q --only -m msg -- bench/baseline.toml` as one subprocess;
- mlreq: `project.save("data.data-source", answer=...)` on one long-lived Project,
  alternating two texts so every save writes and commits a change.

Each round's first mlreq save follows a baseline commit that moved HEAD, so mlreq re-reads
the committed answers (`git cat-file --batch`): that save is timed apart and reported as
"after an outside commit", not mixed into the steady-state figure.

Then: the same save through the CLI (`mlreq answer ... --text`, a whole process, for
information), and a 1 MB answer (multi-line and single-line) saved through the API.

Aims (issue 2): save+commit <= 1.3x the baseline; a 1 MB answer saved in < 1 s.

Run: .venv/bin/python benchmarks/bench_save.py [--iterations 50] [--sizes 0,1000,10000]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _benchlib as bench  # noqa: E402

QID = "data.data-source"
BIG_QID = "modeling.baseline"
BASELINE_FILE = "bench/baseline.toml"
AIM_RATIO = 1.3
AIM_BIG_SECONDS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=50, help="timed saves (and baseline commits) per size (default 50)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved baseline/mlreq blocks per size (default 5)")
    parser.add_argument("--sizes", default="0,1000,10000", help="prior commits, comma-separated (default 0,1000,10000)")
    parser.add_argument("--cli-iterations", type=int, default=10, help="saves through the `mlreq answer` process (0 skips)")
    parser.add_argument("--big-reps", type=int, default=3, help="1 MB saves of each kind per size (0 skips)")
    parser.add_argument("--big-size", type=int, default=1_000_000, help="characters in the large answer (default 1e6)")
    parser.add_argument("--profile", action="store_true", help="after the last size, cProfile extra saves and print the top functions")
    parser.add_argument("--breakdown", action="store_true", help="time the parts of one save separately (no profiler overhead)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    tmp = Path(tempfile.mkdtemp(prefix="mlreq-bench-save-"))
    env = bench.isolate_git(tmp)
    print(f"mlreq save benchmark  ({bench.load_line()})")
    print(f"git: {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}; temp: {tmp}")
    print(f"{args.iterations} timed saves per size in {args.rounds} interleaved rounds; times are wall clock (perf_counter)\n")
    rows = []
    try:
        for size in sizes:
            rows.append(run_size(tmp, size, args, env, profile=args.profile and size == sizes[-1]))
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print("\nSummary (ratio = mlreq / baseline, same run, same repository)")
    print(f"{'prior commits':>13} {'baseline med':>12} {'mlreq med':>10} {'ratio med':>9} {'baseline p95':>12} {'mlreq p95':>10} {'ratio p95':>9}  aim <= {AIM_RATIO}x")
    for size, base, save in rows:
        ratio, ratio95 = save.median / base.median, save.p95 / base.p95
        verdict = "ok" if ratio <= AIM_RATIO else "OVER"
        print(f"{size:>13} {base.median:>10.2f}ms {save.median:>8.2f}ms {ratio:>8.2f}x {base.p95:>10.2f}ms {save.p95:>8.2f}ms {ratio95:>8.2f}x  {verdict}")
    print(f"\n{bench.load_line()} at the end")


def run_size(tmp: Path, size: int, args: argparse.Namespace, env: dict[str, str], profile: bool):  # type: ignore[no-untyped-def]
    from mlreq.projects import Project

    repo = tmp / f"repo-{size}"
    started = time.perf_counter()
    baseline_texts = [_baseline_content(0), _baseline_content(1)]
    commits = bench.make_project(repo, size, extra_files={BASELINE_FILE: baseline_texts[1]})
    print(f"== {size} prior commits: repository with {commits} commits built in {time.perf_counter() - started:.1f} s")

    project = Project.open(repo)
    texts = [bench.answer_text(1) + "\nEdited: A.", bench.answer_text(2) + "\nEdited: B."]
    baseline_path = repo / BASELINE_FILE
    base_cmd = ["git", "commit", "-q", "--only", "-m", "msg", "--", BASELINE_FILE]
    counter = {"save": 0, "base": 0}

    def mlreq_save() -> float:
        text = texts[counter["save"] % 2]
        counter["save"] += 1
        t0 = time.perf_counter()
        result = project.save(QID, answer=text)
        elapsed = time.perf_counter() - t0
        if result.commit is None:
            sys.exit(f"mlreq save did not commit: {result}")
        return elapsed

    def baseline_commit() -> float:
        content = baseline_texts[counter["base"] % 2]
        counter["base"] += 1
        t0 = time.perf_counter()
        baseline_path.write_text(content)
        done = subprocess.run(base_cmd, cwd=repo, env=env, stdin=subprocess.DEVNULL, capture_output=True)
        elapsed = time.perf_counter() - t0
        if done.returncode != 0:
            sys.exit(f"baseline commit failed: {done.stderr.decode()}")
        return elapsed

    for _ in range(3):  # warm-up: page cache, identity lookup, tomlkit's first parse
        baseline_commit()
        mlreq_save()
        mlreq_save()

    base_times: list[float] = []
    save_times: list[float] = []
    after_outside: list[float] = []
    rounds = max(1, args.rounds)
    per_round = [args.iterations // rounds + (1 if r < args.iterations % rounds else 0) for r in range(rounds)]
    for count in per_round:
        base_times += [baseline_commit() for _ in range(count)]
        after_outside.append(mlreq_save())  # HEAD moved under the project: re-reads HEAD's answers
        save_times += [mlreq_save() for _ in range(count)]

    base, save, outside = bench.stats(base_times), bench.stats(save_times), bench.stats(after_outside)
    print(f"   baseline git commit --only   {base}")
    print(f"   mlreq Project.save           {save}")
    print(f"   ratio mlreq/baseline         median {save.median / base.median:.2f}x   p95 {save.p95 / base.p95:.2f}x   (aim <= {AIM_RATIO}x)")
    print(f"   save after an outside commit {outside}  (re-reads HEAD's answers)")

    if args.breakdown:
        _breakdown(project, repo, env, reps=max(20, args.iterations // 2))

    if args.cli_iterations > 0:
        cli = _cli_times(repo, env, args.cli_iterations, texts)
        print(f"   CLI `mlreq answer --text`    {cli}  = {cli.median / base.median:.1f}x baseline (a whole process; information only)")

    if args.big_reps > 0:
        for multiline in (True, False):
            big = [bench.big_text(args.big_size, multiline, v) for v in (1, 2)]
            times = []
            for rep in range(args.big_reps):
                t0 = time.perf_counter()
                result = project.save(BIG_QID, answer=big[rep % 2])
                times.append(time.perf_counter() - t0)
                if result.commit is None:
                    sys.exit(f"1 MB save did not commit: {result}")
            kind = "multi-line " if multiline else "single-line"
            worst = max(times)
            verdict = "ok" if worst < AIM_BIG_SECONDS else "OVER"
            print(f"   {len(big[0]) / 1e6:.1f} MB {kind} answer save   {bench.stats(times)}  worst {worst:.2f} s (aim < {AIM_BIG_SECONDS:.0f} s: {verdict})")
            # A fresh process replacing a 1 MB answer also parses the 1 MB file first.
            cli_times = []
            for rep in range(args.big_reps):
                source = repo.parent / f"big-{size}.txt"
                source.write_text(big[(rep + args.big_reps) % 2] + f" cli {rep}")
                cli_times.append(_cli_run(repo, env, ["answer", BIG_QID, "--file", str(source), "--project", str(repo)]))
            print(f"     same via `mlreq answer --file` (fresh process, parses the 1 MB file) {bench.stats(cli_times)}")
        project.save(BIG_QID, answer=bench.answer_text(3))  # leave a normal-sized file behind

    if profile:  # extra saves, after the timed ones: the profiler's overhead skews no figure above
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.iterations):
            mlreq_save()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(35)
        print(f"\n   cProfile of {args.iterations} more steady-state saves ({size} prior commits), by cumulative time:")
        print(out.getvalue())
    return size, base, save


def _breakdown(project, repo: Path, env: dict[str, str], reps: int) -> None:  # type: ignore[no-untyped-def]
    """Median cost of each part of a save, timed alone, so the parts can be compared."""
    from mlreq.projects.atomic import atomic_write
    from mlreq.projects.gitrepo import GitRepo

    relative = "answers/data.toml"
    path = repo / relative
    current = path.read_bytes()
    other = current.replace(b"Edited: A.", b"Edited: X.") if b"Edited: A." in current else current.replace(b"Edited: B.", b"Edited: X.")
    variants = [other, current]
    gitrepo = GitRepo(repo)
    author = project.author or project.identity()
    git_path = project.repo_path(relative)
    mlreq_args = ["-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "--only", "-m", "Answer data.data-source", "--", git_path]
    author_env = {**env, "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
                  "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email}

    def timed(action, prepare=None) -> float:  # type: ignore[no-untyped-def]
        times = []
        for i in range(reps):
            if prepare:
                prepare(i)
            t0 = time.perf_counter()
            action(i)
            times.append(time.perf_counter() - t0)
        return bench.stats(times).median

    committed = [subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=repo, env=env, capture_output=True).stdout]

    def flip(i: int) -> None:  # every timed commit needs a change: write what HEAD has not
        data = variants[0] if committed[0] != variants[0] else variants[1]
        path.write_bytes(data)
        committed[0] = data

    def run_plain(args: list[str], i: int, extra_env: dict[str, str] | None = None) -> None:
        done = subprocess.run(["git", *args], cwd=repo, env=extra_env or env, stdin=subprocess.DEVNULL, capture_output=True)
        if done.returncode != 0:
            sys.exit(f"git {args} failed: {done.stderr.decode()}")

    answers = project._read(relative)
    rows = [
        ("AnswerFile.dumps (the text as it stands)", timed(lambda i: answers.dumps())),
        ("atomic_write (tmp file, 2 fsyncs, rename)", timed(lambda i: atomic_write(path, variants[i % 2]))),
        ("  plain write_bytes, no fsync", timed(lambda i: path.write_bytes(variants[i % 2]))),
        ("_pending_changes (entries of 4 files vs HEAD)", timed(lambda i: project._pending_changes())),
        ("head_id (ref file read)", timed(lambda i: gitrepo.head_id())),
        ("git commit, mlreq's args, via GitRepo.run", timed(lambda i: gitrepo.run(*mlreq_args, env={
            "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email}), flip)),
        ("git commit, mlreq's args, via subprocess.run", timed(lambda i: run_plain(mlreq_args, i, author_env), flip)),
        ("git commit -q --only (baseline args)", timed(lambda i: run_plain(["commit", "-q", "--only", "-m", "msg", "--", git_path], i), flip)),
        ("git rev-parse HEAD via GitRepo.run (after commit)", timed(lambda i: gitrepo.run("rev-parse", "HEAD"))),
        ("git rev-parse HEAD via subprocess.run", timed(lambda i: run_plain(["rev-parse", "HEAD"], i))),
        ("git --version via GitRepo.run (process floor)", timed(lambda i: gitrepo.run("--version"))),
        ("git --version via subprocess.run", timed(lambda i: run_plain(["--version"], i))),
    ]
    project._files.clear()  # the file changed behind the project's back; let it re-read
    print(f"   breakdown (median of {reps} each, timed alone):")
    for label, median in rows:
        print(f"      {label:<50} {median:7.2f} ms")


def _cli_run(repo: Path, env: dict[str, str], argv: list[str]) -> float:
    mlreq = Path(sys.executable).parent / "mlreq"
    command = [str(mlreq)] if mlreq.exists() else [sys.executable, "-m", "mlreq"]
    t0 = time.perf_counter()
    done = subprocess.run([*command, *argv], env=env, stdin=subprocess.DEVNULL, capture_output=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"mlreq {argv[:2]} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def _cli_times(repo: Path, env: dict[str, str], count: int, texts: list[str]) -> bench.Stats:
    times = []
    for i in range(count + 1):
        elapsed = _cli_run(repo, env, ["answer", QID, "--text", texts[i % 2] + " (cli)", "--project", str(repo)])
        if i:  # the first run compiles/warms caches
            times.append(elapsed)
    return bench.stats(times)


def _baseline_content(variant: int) -> str:
    """About the size of answers/data.toml: 14 tables with a multi-line answer each."""
    blocks = []
    for i in range(14):
        answer = bench.answer_text(500 + i)
        if i == 0:
            answer += f"\nEdited: {'AB'[variant]}."
        blocks.append(f'["q{i}"]\nstatus = "draft"\nanswer = """\n{answer}"""\nnotes = ""\n')
    return "# baseline file for bench_save.py\n\n" + "\n".join(blocks)


if __name__ == "__main__":
    main()
