"""Requirements at scale: 2,000 questions, 5,000 requirements (issue 13, "Speed").

    .venv/bin/python benchmarks/bench_requirements.py [--runs N] [--write-runs N] [--keep]

The project is the tailored 2,000-question form of `bench_export.py` (every question
answered, one commit) plus a `requirements.toml` of 5,000 requirements in mlreq's own
layout (written as text by this script, committed once): 1-2 source questions each among
the first 1,800 questions (the last 200 have none), every EARS pattern, some texts with
quotes, line breaks and non-ASCII, some agreed, needing review or retired. HOME and the
global git config are private to the run (`_benchlib.isolate_git`).

Measured, interleaved round by round with the baselines of the same run:

| mlreq | baseline |
|---|---|
| `mlreq req list` (a whole process, output to a pipe) | `python -c pass` |
| `mlreq req check` (process) | `python -c pass` |
| `mlreq req new --from Q --text ...` (process: read, write, commit) | `git commit --only` of one changed file |
| `mlreq req edit ID --text ...` (process) | the same `git commit` |
| `new_requirement()` / `edit_requirement()` in-process, one long-lived `Project` | the same `git commit` |
| `Project.save` of an answer that 2-4 requirements come from (they are flagged) | the same `git commit` |
| `flag_requirements()` alone, inside that save (timed by wrapping it) | - |
| `Project.save` of an answer no requirement comes from | - |

Aims (issue 13): list and check under 0.5 s; flags on an answer change under 50 ms; a
requirement write close to a plain commit. Prints medians, p95 (nearest rank) and the
ratios to the baselines, and the load average at the start and the end. For the processes
it also prints their CPU time (user + system, from `getrusage`): on a busy machine, the
closest figure to what they take alone.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _benchlib import isolate_git, load_line, stats  # noqa: E402
from bench_export import tailored  # noqa: E402

REQUIREMENTS, WITH_REQUIREMENTS = 5000, 1800
HEADER = (
    "# Requirements written from the form's answers (mlreq req ...).\n"
    "# Ids are never reused: last_id is the highest ever given. `from` names the questions;\n"
    "# patterns (EARS): ubiquitous, event, state, unwanted, optional, complex; "
    "status: draft, agreed, needs-review, retired.\n\n"
)
TEXTS = {
    "event": 'When a charger reports fault code {n}, the system shall predict the failing part within 5 minutes.',
    "ubiquitous": "The system shall keep every raw log of station {n} for 2 years.",
    "state": "While station {n} is offline, the system shall queue its telemetry \"as sent\".",
    "unwanted": "If the model for site {n} drifts beyond 3 %, then the system shall alert the on-call engineer.",
    "optional": "Where a fleet operator subscribes, the system shall send a weekly report for depot {n}.",
    "complex": "While a rollout runs, when canary {n} fails, the system shall roll back.\nSee the runbook: \u00e9tape 4.",
}


def basic(text: str) -> str:
    """A TOML string for the plain texts above (JSON escapes are TOML escapes for them)."""
    return json.dumps(text, ensure_ascii=False)


def requirements_text(question_ids: list[str], count: int = REQUIREMENTS, seed: int = 13) -> str:
    rng = random.Random(seed)
    patterns = list(TEXTS)
    parts = [HEADER, f"last_id = {count}\n\n"]
    for n in range(1, count + 1):
        pattern = patterns[n % len(patterns)]
        sources = [question_ids[(n * 37) % WITH_REQUIREMENTS]]
        if n % 4 == 0:
            sources.append(question_ids[(n * 11 + 5) % WITH_REQUIREMENTS])
        status = "retired" if n % 50 == 0 else "agreed" if n % 3 == 0 else "draft"
        text = TEXTS[pattern].format(n=n)
        lines = ["[[requirement]]", f'id = "REQ-{n:03d}"']
        lines.append(f'text = """\n{text}"""' if "\n" in text else f"text = {basic(text)}")
        lines += [f'pattern = "{pattern}"', f"from = {json.dumps(sorted(set(sources)))}"]
        criteria = [f"{rng.randint(90, 99)}% of the cases in the test set {n} pass"] if n % 7 else []
        lines.append("criteria = [\n" + "".join(f"    {basic(c)},\n" for c in criteria) + "]" if criteria else "criteria = []")
        lines += [f'priority = "{("high", "medium", "low")[n % 3]}"', f'status = "{status}"', 'owner = "data-scientist"', ""]
        parts.append("\n".join(lines) + "\n")
    return "".join(parts)


def timed_process(argv: list[str], cwd: Path, cpu: list[float] | None = None) -> float:
    """Wall time of one process; its CPU time (user + system) goes to `cpu`: on a loaded
    machine that is what the process would take alone."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if result.returncode not in (0, 1):  # `req check` exits 1 when a requirement fails the check
        sys.exit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    return elapsed


def git_commit_baseline(repo: Path, n: int) -> float:
    """What any commit of one changed file costs: the floor of every write measured here."""
    target = repo / "bench-baseline.txt"
    target.write_text(f"baseline {n}\n")
    if n == 0:
        subprocess.run(["git", "add", "--", target.name], cwd=repo, check=True)
    start = time.perf_counter()
    subprocess.run(["git", "commit", "-q", "--only", "-m", f"baseline {n}", "--", target.name], cwd=repo, check=True)
    return time.perf_counter() - start


def row(name: str, times: list[float], base: list[float] | None = None, aim_ms: float | None = None) -> None:
    s = stats(times)
    ratio = f"{s.median / stats(base).median:6.2f}x" if base else "      -"
    verdict = "" if aim_ms is None else ("  ok" if s.median < aim_ms else "  MISSED") + f" (aim {aim_ms:.0f} ms)"
    print(f"  {name:<50} {s.median:9.1f} {s.p95:9.1f} {ratio}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each read and of each flagging save")
    parser.add_argument("--write-runs", type=int, default=10, help="runs of each requirement write")
    parser.add_argument("--keep", action="store_true", help="keep the project (its path is printed)")
    args = parser.parse_args()
    print(load_line(), "(start)")
    folder = tempfile.mkdtemp(prefix="mlreq-bench-req-")
    try:
        tmp = Path(folder)
        isolate_git(tmp)
        started = time.perf_counter()
        repo = tailored(tmp, 2000)
        from mlreq.projects import Project

        project = Project.open(repo)
        question_ids = [q.id for q in project.form.questions]
        (repo / "requirements.toml").write_text(requirements_text(question_ids), encoding="utf-8")
        subprocess.run(["git", "add", "requirements.toml"], cwd=repo, check=True)
        subprocess.run(["git", "commit", "-qm", f"{REQUIREMENTS} requirements"], cwd=repo, check=True)
        size = (repo / "requirements.toml").stat().st_size
        print(f"project: {len(question_ids):,} questions, {REQUIREMENTS:,} requirements ({size / 1e6:.1f} MB), "
              f"built in {time.perf_counter() - started:.1f} s at {repo}")
        mlreq = str(Path(sys.executable).parent / "mlreq")
        if not Path(mlreq).exists():
            mlreq = shutil.which("mlreq") or sys.exit("no mlreq command next to this Python")
        results = measure(repo, mlreq, question_ids, args.runs, args.write_runs)
        print(f"median and p95 in ms; ratio of medians to the baseline measured in the same run "
              f"(reads {args.runs} runs, writes {args.write_runs})")
        print(f"  {'measure':<50} {'median':>9} {'p95':>9} {'ratio':>7}")
        row("python -c pass (process baseline)", results["python"])
        row("mlreq req list (process)", results["list"], results["python"], 500)
        row("mlreq req check (process)", results["check"], results["python"], 500)
        row("  CPU time: python -c pass", results["python cpu"])
        row("  CPU time: mlreq req list", results["list cpu"], results["python cpu"], 500)
        row("  CPU time: mlreq req check", results["check cpu"], results["python cpu"], 500)
        row("git commit --only, one file (write baseline)", results["commit"])
        row("mlreq req new (process)", results["new process"], results["commit"])
        row("mlreq req edit --text (process)", results["edit process"], results["commit"])
        row("new_requirement() in-process", results["new"], results["commit"])
        row("edit_requirement() in-process", results["edit"], results["commit"])
        row("Project.save of an answer, flagging its requirements", results["save flags"], results["commit"])
        row("  of which flag_requirements()", results["flag"], None, 50)
        row("Project.save of an answer with no requirement", results["save plain"], results["commit"])
    finally:
        print(load_line(), "(end)")
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def measure(repo: Path, mlreq: str, question_ids: list[str], runs: int, write_runs: int) -> dict[str, list[float]]:
    import mlreq.projects.requirements as requirements_module  # project.py imports flag_requirements per commit
    from mlreq.projects import Project
    from mlreq.projects.requirements import edit_requirement, load_requirements, new_requirement

    results: dict[str, list[float]] = {name: [] for name in (
        "python", "list", "check", "python cpu", "list cpu", "check cpu", "commit", "new process", "edit process", "new", "edit", "save flags", "flag", "save plain")}
    flag_times = results["flag"]
    flagged_ids: list[str] = []
    original = requirements_module.flag_requirements

    def timed_flags(*a, **k):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        in_doubt = original(*a, **k)
        flag_times.append(time.perf_counter() - start)
        flagged_ids.extend(in_doubt)
        return in_doubt

    requirements_module.flag_requirements = timed_flags  # type: ignore[assignment]
    project = Project.open(repo)
    requirements = load_requirements(project)
    by_source: dict[str, int] = {}
    for requirement in requirements.items:
        if requirement.status in ("draft", "agreed"):
            for qid in requirement.sources:
                by_source[qid] = by_source.get(qid, 0) + 1
    flaggable = [qid for qid in question_ids[:WITH_REQUIREMENTS] if 2 <= by_source.get(qid, 0) <= 4]
    plain = question_ids[WITH_REQUIREMENTS:]
    # Warm up once, not timed: the first process start and the in-process parse cache.
    timed_process([mlreq, "req", "list"], repo)
    project.save(plain[-1], answer="warm-up answer, not timed")
    flag_times.clear()
    editable = [f"REQ-{i:03d}" for i in range(1, REQUIREMENTS) if i % 50]  # every 50th is retired
    for n in range(max(runs, write_runs)):
        if n < runs:
            results["python"].append(timed_process([sys.executable, "-c", "pass"], repo, results["python cpu"]))
            results["list"].append(timed_process([mlreq, "req", "list"], repo, results["list cpu"]))
            results["check"].append(timed_process([mlreq, "req", "check"], repo, results["check cpu"]))
            flagged_ids.clear()
            start = time.perf_counter()
            result = project.save(flaggable[n], answer=f"A different answer, round {n}: the fleet grew to {n + 3} depots.")
            results["save flags"].append(time.perf_counter() - start)
            if result.commit is None or not flagged_ids:
                sys.exit(f"the save of {flaggable[n]} flagged no requirement: {result}")
            start = time.perf_counter()
            project.save(plain[n], answer=f"Another answer, round {n}.")
            results["save plain"].append(time.perf_counter() - start)
            flag_times.pop()  # that save's flag check is part of "save plain", not of the flag figure
        if n < write_runs:
            results["commit"].append(git_commit_baseline(repo, n))
            source = question_ids[n % WITH_REQUIREMENTS]
            results["new process"].append(timed_process(
                [mlreq, "req", "new", "--from", source, "--text", f"The system shall log round {n} of the benchmark."], repo))
            results["edit process"].append(timed_process(
                [mlreq, "req", "edit", editable[n], "--text", f"The system shall keep {n} logs for 2 years."], repo))
            start = time.perf_counter()
            new_requirement(project, [source], f"When round {n} starts, the system shall record it.")
            results["new"].append(time.perf_counter() - start)
            start = time.perf_counter()
            edit_requirement(project, editable[n + 100], text=f"The system shall archive round {n}.")
            results["edit"].append(time.perf_counter() - start)
    requirements_module.flag_requirements = original  # type: ignore[assignment]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True).stdout
    if status.strip():
        sys.exit(f"uncommitted changes left by the runs:\n{status}")
    return results


if __name__ == "__main__":
    main()
