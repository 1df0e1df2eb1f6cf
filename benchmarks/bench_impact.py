"""Recomputing needs-review flags on a tailored form of 1,000 questions and 5,000 dependencies.

Run by hand: `python benchmarks/bench_impact.py [--runs 30]`. Prints medians and p95 of
(a) computing which answers to flag after one change (`projects.impact.flags_for`) together
with the "may be affected" list further down (`may_be_affected`), for a change of meaning
to the root question (the most dependents), and
(b) a whole `Project.save` of a root answer that flags its answered dependents, against
(c) the baseline of a plain `git commit --only` of the same files, measured in the same
run. Aim (issues 5 and 12): (a) under 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlreq.projects import create_project  # noqa: E402
from mlreq.projects.impact import AnswerChange, flags_for, may_be_affected  # noqa: E402

QUESTIONS, DEPENDENCIES, STAGES = 1000, 5000, 4


def make_form(path: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    ids = [f"s{n % STAGES}.q{n:04d}" for n in range(QUESTIONS)]
    upstream: dict[str, set[str]] = {qid: set() for qid in ids}
    while sum(len(v) for v in upstream.values()) < DEPENDENCIES:
        later = rng.randrange(1, QUESTIONS)
        earlier = rng.randrange(0, later)  # only earlier ones: a DAG by construction
        upstream[ids[later]].add(ids[earlier])
    lines = ['schema = 1', '[form]', 'id = "bench"', 'title = "Benchmark form"', 'version = "1"']
    for s in range(STAGES):
        lines += ["[[stages]]", f'id = "s{s}"', f'name = "Stage {s}"']
    lines += ["[[roles]]", 'id = "r"', 'name = "Role"']
    for qid in ids:
        deps = ", ".join(f'"{d}"' for d in sorted(upstream[qid]))
        lines += ["[[questions]]", f'id = "{qid}"', f'stage = "{qid[:2]}"', 'roles = ["r"]', f'text = "Question {qid}?"']
        lines += ["[questions.mlreq]", f"depends_on = [{deps}]"]
    path.write_text("\n".join(lines) + "\n")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        config = tmp_path / "gitconfig"
        config.write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n")
        os.environ.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1")
        form_path = tmp_path / "form.toml"
        make_form(form_path)
        project, _ = create_project(tmp_path / "proj", form=str(form_path))
        # Answer everything in one commit per stage file (fast set-up, not measured).
        for question in project.form.questions:
            answers = project._read(project.file_of(question))
            answers.set_entry(question.id, answers.entry(question.id).with_changes(answer="answered", status="agreed"))
        for relative in project.answer_files():
            project._write(relative, project._read(relative))
        project.commit_pending()
        form = project.form
        root = form.questions[0].id
        downstream = len(form.downstream(root))
        entries = project.entries()

        pure = []
        change = [AnswerChange(root, "answered", "a different answer")]
        for _ in range(runs):
            start = time.perf_counter()
            flags_for(form, change, entries, "Bench")
            further = may_be_affected(form, change, entries)
            pure.append((time.perf_counter() - start) * 1000)
        direct = len(flags_for(form, change, entries, "Bench"))

        saves = []
        for n in range(runs):
            for question in form.questions:  # un-flag everything again (not measured)
                entries[question.id] = entries[question.id]
            start = time.perf_counter()
            result = project.save(root, answer=f"change {n}")
            saves.append((time.perf_counter() - start) * 1000)
            project.save(root, status="agreed")
            for qid in result.flagged:  # confirm them, so the next run flags them again
                project.save(qid, status="agreed")
            if n == 0:
                flagged = len(result.flagged)
            if n >= 3:
                break  # each round re-confirms hundreds of answers: a few rounds suffice

        baseline = []
        target = project.root / project.file_of(form.question(root))
        for n in range(runs):
            target.write_text(target.read_text() + f"# baseline {n}\n")
            start = time.perf_counter()
            subprocess.run(["git", "commit", "-q", "--only", "-m", "baseline", "--", str(target)], cwd=project.root, check=True)
            baseline.append((time.perf_counter() - start) * 1000)

    print(f"form: {QUESTIONS} questions, {DEPENDENCIES} dependencies; {downstream} downstream of {root}: "
          f"{direct} direct dependents flagged, {len(further)} may be affected; {flagged} flagged by a save")
    print(f"{'measure':<44} {'median ms':>10} {'p95 ms':>8}")
    print(f"{'flags + may be affected (aim < 50 ms)':<44} {statistics.median(pure):>10.2f} {percentile(pure, 0.95):>8.2f}")
    print(f"{'Project.save flagging them (write + commit)':<44} {statistics.median(saves):>10.2f} {percentile(saves, 0.95):>8.2f}")
    print(f"{'baseline: git commit --only, one file':<44} {statistics.median(baseline):>10.2f} {percentile(baseline, 0.95):>8.2f}")
    print(f"ratio save/baseline: {statistics.median(saves) / statistics.median(baseline):.2f}x")


if __name__ == "__main__":
    main()
