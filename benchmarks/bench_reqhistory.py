"""The requirements part of a diff (issue 13 item 7) against the diff of answers it joins.

Run by hand: `python benchmarks/bench_reqhistory.py [--runs 15] [--requirements 5000]`.
On a project with 500 saves, prints medians of `History.diff` between two commits (the
baseline, measured in the same run) and of `reqhistory.requirements_diff` between the same
commits when requirements.toml is (a) absent at both, (b) the same 5,000 requirements at
both, (c) one of 5,000 edited, (d) 5,000 new. The parse cache is cleared before each run.
Aim: (a) and (b) a small fraction of the baseline (one `cat-file --batch-check`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _benchlib import git, isolate_git, load_line, make_project, stats  # noqa: E402


def requirements_text(count: int, edited: int | None = None) -> str:
    lines = [f"last_id = {count}", ""]
    for n in range(1, count + 1):
        minutes = n + 1 if n == edited else n
        lines += ["[[requirement]]", f'id = "REQ-{n:03d}"',
                  f'text = "When charger {n} reports a fault code, the system shall predict the failing part within {minutes} minutes."',
                  'pattern = "event"', 'from = ["data.data-source"]', f'criteria = ["95% of {n} recorded faults get a prediction"]',
                  'priority = "medium"', 'status = "draft"', ""]
    return "\n".join(lines)


def commit(repo: Path, text: str | None, message: str) -> str:
    path = repo / "requirements.toml"
    if text is None:
        path.unlink(missing_ok=True)
        git(repo, "rm", "-q", "--cached", "--ignore-unmatch", "requirements.toml")
    else:
        path.write_text(text)
        git(repo, "add", "requirements.toml")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--requirements", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        isolate_git(Path(tmp))
        repo = Path(tmp) / "proj"
        make_project(repo, 500)
        from mlreq.projects import Project
        from mlreq.projects.history import History
        from mlreq.projects import reqhistory

        count = args.requirements
        absent = [git(repo, "rev-parse", "HEAD~1").strip(), git(repo, "rev-parse", "HEAD").strip()]
        full = commit(repo, requirements_text(count), "all new")
        same = commit(repo, requirements_text(count), "unchanged (an empty commit)")
        edited = commit(repo, requirements_text(count, edited=count // 2), "one edited")
        project = Project.open(repo)
        cases = {
            "(a) absent at both ends": absent,
            "(b) unchanged, same blob": [full, same],
            "(c) one edited": [same, edited],
            "(d) all new": [absent[1], full],
        }
        print(f"{count} requirements, {args.runs} runs; {load_line()}")
        for name, (old, new) in cases.items():
            baseline, part = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                History(project).diff(old, new)
                baseline.append(time.perf_counter() - started)
                reqhistory._parsed.clear()
                started = time.perf_counter()
                found = reqhistory.requirements_diff(project, old, new)
                part.append(time.perf_counter() - started)
            b, p = stats(baseline), stats(part)
            print(f"{name:<28} History.diff {b.median:8.1f} ms   requirements part {p.median:8.1f} ms "
                  f"({p.median / b.median:5.2f}x)   {len(found.changes)} changed")


if __name__ == "__main__":
    main()
