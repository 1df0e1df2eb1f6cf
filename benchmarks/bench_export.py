"""How long `mlreq export` takes per format, against the plain library serialising the same data.

    .venv/bin/python benchmarks/bench_export.py [--repeat N]

Two projects, both real git repositories in a temporary folder:

- "demo-like": the v3 form (37 questions), every question answered with a few lines;
- "tailored 2,000": a tailored form of 2,000 questions in four stages and the ten v3 roles,
  every answer filled in (form.toml and answer files written directly, one commit);
- "2,000 + 5,000 req": the same with 5,000 requirements in requirements.toml (each from one
  or two questions, with acceptance criteria, some retired or needs-review; written
  directly, one more commit), so the cost of the requirements shows against the row above.

For each format the script times the export as the CLI does it (opening the project,
`load_state`, rendering: "total"), the rendering alone from a state in memory, and, as a
yardstick, the plain library writing the same cells
in the same run: `json.dumps` of the rows, `csv.writer`, openpyxl writing the same cells
(default workbook, no styles). Markdown, HTML and ReqIF have no plain-library equivalent; the
yardstick there is `json.dumps`. Prints medians (and the total's p95) in milliseconds and
the ratio of our rendering to the plain library.
Aims: every export of the 2,000-question project under 1 s (issue 6), and so with 5,000
requirements (issue 13).

openpyxl writes through lxml when it is installed (the test extra brings it, via `reqif`);
`OPENPYXL_LXML=False` measures the XLSX export as a plain install runs it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlreq.projects import Project, create_project  # noqa: E402
from mlreq.projects import requirements as requirements_module  # noqa: E402
from mlreq.projects.exports import EXPORT_FORMATS, export_rows, load_state, render  # noqa: E402

AIM_MS = 1000.0
ANSWER = (
    "Charger telemetry over OCPP 1.6 from the charge point management system, {n}.\n"
    "- Field-service tickets from 2021 onwards, joined on charger id and day\n"
    "- Weather: hourly open data from the nearest station <b>not HTML</b> | a pipe\n"
    "Owner: the data platform team; refreshed nightly at 02:00."
)
STATUSES = ("draft", "agreed", "needs-review", "draft", "open")


def isolate_git(tmp: Path) -> None:
    home = tmp / "home"
    home.mkdir()
    config = tmp / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = Bench Person\n\temail = bench@example.com\n")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "MLREQ_AUTHOR"):
        os.environ.pop(name, None)
    os.environ.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1")


def toml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string here


def demo_like(tmp: Path) -> Path:
    """The v3 form, every question answered, in one commit."""
    path = tmp / "demo-like"
    project, _ = create_project(path, name="Charger fault prediction")
    files: dict[str, list[str]] = {}
    for index, question in enumerate(project.form.questions):
        files.setdefault(question.stage, []).append(
            f'["{question.id}"]\nstatus = "{STATUSES[index % len(STATUSES)]}"\n'
            f"answer = {toml_str(ANSWER.format(n=index))}\nnotes = \"\"\n"
        )
    for stage, tables in files.items():
        (path / "answers" / f"{stage}.toml").write_text("\n".join(tables), encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "Answer every question"], cwd=path, check=True)
    return path


def tailored(tmp: Path, count: int = 2000) -> Path:
    """A tailored question set of `count` questions, written as TOML, committed once."""
    path = tmp / f"tailored-{count}"
    template, _ = create_project(tmp / "template", name="template")
    form = template.form
    stages = [s.id for s in form.stages]
    (path / "answers").mkdir(parents=True)
    lines = [
        "schema = 1",
        "",
        "[form]",
        'id = "tailored"',
        'title = "MLOps Requirements Form (tailored)"',
        'version = "3-big"',
        'source = "benchmark"',
        "",
    ]
    for stage in form.stages:
        lines += ["[[stages]]", f'id = "{stage.id}"', f"name = {toml_str(stage.name)}", ""]
    for role in form.roles:
        lines += ["[[roles]]", f'id = "{role.id}"', f"name = {toml_str(role.name)}", "aliases = []", ""]
    answers: dict[str, list[str]] = {s: [] for s in stages}
    role_ids = [r.id for r in form.roles]
    for n in range(count):
        stage = stages[n * len(stages) // count]
        qid = f"{stage}.q{n:04d}"
        roles = [role_ids[n % len(role_ids)], role_ids[(n * 7 + 3) % len(role_ids)]]
        lines += [
            "[[questions]]",
            f'id = "{qid}"',
            f'stage = "{stage}"',
            f"roles = {json.dumps(sorted(set(roles)))}",
            f"text = {toml_str(f'Requirement question number {n}: what does the team need from the {stage} stage?')}",
            f"examples = {toml_str('Latency requirements, queries per second, ROI, customer wishes')}",
            'traces = ["BP4"]',
            'origin = "mlreq"',
            "",
        ]
        answers[stage] += [
            f'["{qid}"]',
            f'status = "{STATUSES[n % len(STATUSES)]}"',
            f"answer = {toml_str(ANSWER.format(n=n))}",
            'notes = "Checked with the data platform team"',
            "",
        ]
    (path / "form.toml").write_text("\n".join(lines), encoding="utf-8")
    for stage, body in answers.items():
        (path / "answers" / f"{stage}.toml").write_text("\n".join(body), encoding="utf-8")
    created = (template.root / "mlreq.toml").read_text(encoding="utf-8").replace('name = "template"', 'name = "Tailored 2,000"')
    (path / "mlreq.toml").write_text(created, encoding="utf-8")
    (path / ".gitignore").write_text(".mlreq/\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    subprocess.run(["git", "add", "-A"], cwd=path, check=True)
    subprocess.run(["git", "commit", "-qm", f"Tailored form of {count} questions, all answered"], cwd=path, check=True)
    return path


REQUIREMENT_STATUSES = ("draft", "agreed", "draft", "needs-review", "retired")


def with_requirements(tmp: Path, source: Path, count: int) -> Path:
    """A copy of `source` with `count` requirements written into requirements.toml, committed."""
    import shutil

    path = tmp / f"{source.name}-req-{count}"
    shutil.copytree(source, path)
    question_ids = [q.id for q in Project.open(path).form.questions]
    lines = ["# Requirements written from the form's answers (mlreq req ...).", f"last_id = {count}", ""]
    for n in range(1, count + 1):
        sources = sorted({question_ids[(n * 7) % len(question_ids)], question_ids[(n * 13) % len(question_ids)]})
        status = REQUIREMENT_STATUSES[n % len(REQUIREMENT_STATUSES)]
        lines += [
            "[[requirement]]",
            f'id = "REQ-{n:03d}"',
            f"text = {toml_str(f'When charger {n} reports a fault code, the system shall predict the failing part within 5 minutes.')}",
            'pattern = "event"',
            f"from = {json.dumps(sources)}",
            f"criteria = [{toml_str(f'95% of the fault codes of charger {n} get a prediction within 5 minutes')}, "
            f"{toml_str('a replayed day of logs gives the same predictions')}]",
            f'priority = "{("high", "medium", "low")[n % 3]}"',
            f'status = "{status}"',
            'owner = "data-scientist"',
            *([f"review = {toml_str(f'{sources[0]} changed (Bench Person, 2026-12-01)')}"] if status == "needs-review" else []),
            "",
        ]
    (path / "requirements.toml").write_text("\n".join(lines), encoding="utf-8")
    subprocess.run(["git", "add", "requirements.toml"], cwd=path, check=True)
    subprocess.run(["git", "commit", "-qm", f"{count} requirements"], cwd=path, check=True)
    return path


def timed(function, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    function()  # warm up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(round(0.95 * len(ordered) + 0.5)) - 1)]


def plain_baselines(path: Path) -> dict[str, object]:
    """The same cells written by the plain libraries, from rows already in memory."""
    rows = export_rows(load_state(Project.open(path)))
    columns = ["id", "stage_name", "roles", "question", "answer", "status", "notes", "examples"]
    cells = [[", ".join(r[c]) if isinstance(r[c], list) else r[c] for c in columns] for r in rows]

    def plain_json() -> None:
        json.dumps({"questions": rows}, ensure_ascii=False, indent=2)

    def plain_csv() -> None:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(cells)

    def plain_xlsx() -> None:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(columns)
        for row in cells:
            sheet.append(row)
        workbook.save(io.BytesIO())

    return {"json": plain_json, "csv": plain_csv, "xlsx": plain_xlsx}


def bench(path: Path, label: str, repeat: int) -> list[tuple]:
    baselines = plain_baselines(path)
    results = []
    has_requirements = (path / "requirements.toml").exists()
    # "csv-r" is `--format csv --table requirements`, timed where there are requirements.
    for name in (*EXPORT_FORMATS, *(("csv-r",) if has_requirements else ())):
        fmt, options = ("csv", {"table": "requirements"}) if name == "csv-r" else (name, {})

        def run(fmt: str = fmt, options: dict = options) -> bytes:  # what `mlreq export --format fmt` does after parsing
            # A `mlreq export` process parses requirements.toml once: forget the in-process copy.
            getattr(requirements_module, "_parsed", {}).clear()
            project = Project.open(path)
            return render(load_state(project, with_times=fmt == "reqif"), fmt, **options)

        state = load_state(Project.open(path), with_times=fmt == "reqif")

        def render_only(fmt: str = fmt, state=state, options: dict = options) -> bytes:  # type: ignore[no-untyped-def]
            return render(state, fmt, **options)

        size = len(run())
        ours = timed(run, repeat)
        rendering = timed(render_only, repeat)
        yard_name = fmt if fmt in baselines else "json"
        yard = timed(baselines[yard_name], repeat)  # type: ignore[arg-type]
        results.append(
            (label, name, statistics.median(ours), p95(ours), statistics.median(rendering), size, yard_name, statistics.median(yard))
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--count", type=int, default=2000, help="questions in the tailored project")
    parser.add_argument("--requirements", type=int, default=5000, help="requirements in the tailored project's copy (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlreq-bench-export-") as folder:
        tmp = Path(folder)
        isolate_git(tmp)
        big = tailored(tmp, args.count)
        projects = [(demo_like(tmp), "37 (demo-like)"), (big, f"{args.count:,} (tailored)")]
        if args.requirements:
            projects.append((with_requirements(tmp, big, args.requirements), f"{args.count:,} + {args.requirements:,} req"))
        print(f"mlreq export, median of {args.repeat} runs (after one warm-up), Python {sys.version.split()[0]}")
        print("  total: open the project, read it, render (what `mlreq export` does); render: from memory")
        print(f"{'questions':<20} {'format':<6} {'total ms':>9} {'p95 ms':>7} {'render ms':>10} {'bytes':>10}   {'plain library':<14} {'ms':>7} {'render/plain':>12}")
        worst = 0.0
        for path, label in projects:
            for row in bench(path, label, args.repeat):
                label_, fmt, median, high, rendering, size, yard_name, yard = row
                ratio = rendering / yard if yard else float("inf")
                yard_label = {"json": "json.dumps", "csv": "csv.writer", "xlsx": "openpyxl"}[yard_name]
                print(
                    f"{label_:<20} {fmt:<6} {median:>9.1f} {high:>7.1f} {rendering:>10.1f} {size:>10,}   "
                    f"{yard_label:<14} {yard:>7.1f} {ratio:>11.1f}x"
                )
                if label_ != projects[0][1]:
                    worst = max(worst, median)
            print()
        if args.requirements:
            # The part of every total above that reading requirements.toml takes (parsing it
            # and checking its links), against reading the answers (`Project.entries`).
            project = Project.open(projects[-1][0])

            def read_requirements() -> None:
                getattr(requirements_module, "_parsed", {}).clear()
                requirements_module.load_requirements(project)

            reading = statistics.median(timed(read_requirements, args.repeat))
            entries = statistics.median(timed(project.entries, args.repeat))
            print(f"reading {args.requirements:,} requirements (load_requirements): {reading:.1f} ms; "
                  f"reading {args.count:,} answers (Project.entries): {entries:.1f} ms")
        verdict = "met" if worst < AIM_MS else "MISSED"
        print(f"aim: every export of the tailored projects under {AIM_MS:.0f} ms: {verdict} (slowest median {worst:.0f} ms)")


if __name__ == "__main__":
    main()
