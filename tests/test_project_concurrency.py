"""Two processes saving different answers at the same moment: every save is a commit on the
branch, none orphaned, none lost, and the repository stays healthy."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest

from helpers import ROOT, assert_fsck_clean, git

SAVES = 15

# Each worker keeps ONE open Project (like the app does) and saves in a tight loop,
# printing what every save returned as one JSON line.
WORKER = r"""
import json, sys, time
from pathlib import Path
from mlreq.projects import Project

root, qid, count, start_file = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
project = Project.open(root)
while not start_file.exists():
    time.sleep(0.001)
for i in range(count):
    result = project.save(qid, answer=f"{qid} version {i}")
    print(json.dumps({"i": i, "commit": result.commit, "committed": list(result.committed),
                      "error": str(result.commit_error) if result.commit_error else None}), flush=True)
"""


def _trailer_counts(repo) -> dict[str, int]:
    counts: dict[str, int] = {}
    out = git(repo, "log", "--format=%(trailers:key=Mlreq-Question,valueonly)%x00")
    for record in out.split("\0"):
        for qid in record.split():
            counts[qid] = counts.get(qid, 0) + 1
    return counts


@pytest.mark.parametrize(
    "questions",
    [("scoping.resources", "deployment.software-metrics"), ("data.labelers", "data.metadata")],
    # leaves of the dependency graph: neither save flags the other question for review,
    ids=["different-files", "same-file"],
)
def test_two_processes_saving_at_once_lose_nothing(project_dir, tmp_path, questions):
    start = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(project_dir), qid, str(SAVES), str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for qid in questions
    ]
    start.touch()
    results = {}
    for qid, worker in zip(questions, workers):
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        results[qid] = [json.loads(line) for line in out.splitlines()]

    head_commits = set(git(project_dir, "rev-list", "HEAD").split())
    counts = _trailer_counts(project_dir)
    for qid, saves in results.items():
        assert len(saves) == SAVES
        assert all(s["error"] is None for s in saves), saves
        commits = [s["commit"] for s in saves if s["commit"]]
        assert len(commits) == SAVES  # every save changed its answer, so every save committed
        assert set(commits) <= head_commits  # none orphaned
        assert all(s["committed"] == [qid] for s in saves), saves  # each commit names only its own question
        assert counts.get(qid) == len(commits)
    assert int(git(project_dir, "rev-list", "--count", "HEAD")) == 1 + 2 * SAVES
    # No version of any answer was lost: each one is in the history.
    history = git(project_dir, "log", "-p", "--format=", "--", "answers")
    for qid in questions:
        for i in range(SAVES):
            assert f'+answer = "{qid} version {i}"' in history, (qid, i)
    # The last versions are on disk and committed; the tree is clean.
    for qid in questions:
        stage = qid.split(".")[0]
        on_disk = tomllib.loads((project_dir / "answers" / f"{stage}.toml").read_text())
        assert on_disk[qid]["answer"] == f"{qid} version {SAVES - 1}"
    assert git(project_dir, "status", "--porcelain") == ""
    assert_fsck_clean(project_dir)
