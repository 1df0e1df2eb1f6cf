"""Shared helpers for the hand-run benchmarks (not a test module, not part of the product).

- `isolate_git(tmp)`: a private HOME and global git config (an identity and
  `init.defaultBranch=main`), no system config, none of the shell's author variables.
- `make_project(...)`: a real project made by `projects.create_project`, then optionally
  a history of N commits written with `git fast-import` (answer edits and ML-code edits,
  like a requirements folder living next to the code it governs).
- `stats(...)`: median, p95 (nearest rank), min, max in milliseconds.
"""

from __future__ import annotations

import math
import os
import random
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH_NAME = "Bench Person"
BENCH_EMAIL = "bench.person@example.com"

_SCRUBBED = (
    "MLREQ_AUTHOR",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "EMAIL",
    "XDG_CACHE_HOME",  # the parsed-TOML cache (bank/tomlcache.py) goes under the private HOME
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_CONFIG",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "NO_COLOR",
    "TEXTUAL",
)


def isolate_git(tmp: Path) -> dict[str, str]:
    """Point this process (and its children) at a private HOME and git config."""
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    config = tmp / "gitconfig"
    config.write_text(f"[init]\n\tdefaultBranch = main\n[user]\n\tname = {BENCH_NAME}\n\temail = {BENCH_EMAIL}\n")
    for name in _SCRUBBED:
        os.environ.pop(name, None)
    os.environ["HOME"] = str(home)
    os.environ["GIT_CONFIG_GLOBAL"] = str(config)
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    return dict(os.environ)


def git(repo: Path, *args: str, input: bytes | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=repo, input=input, capture_output=True, check=False)
    if result.returncode != 0:
        sys.exit(f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode()


# ---------------------------------------------------------------------------- statistics


@dataclass
class Stats:
    n: int
    median: float
    p95: float
    min: float
    max: float

    def __str__(self) -> str:
        return f"median {self.median:7.2f} ms  p95 {self.p95:7.2f} ms  (min {self.min:.2f}, max {self.max:.2f}, n={self.n})"


def stats(seconds: list[float]) -> Stats:
    ms = sorted(s * 1000 for s in seconds)
    rank = max(1, math.ceil(0.95 * len(ms)))
    return Stats(len(ms), statistics.median(ms), ms[rank - 1], ms[0], ms[-1])


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} CPUs"


# ---------------------------------------------------------------------------- texts

_WORDS = (
    "charger telemetry service log fault code firmware station operator weekly retrain "
    "precision recall field engineer dashboard latency batch stream label audit privacy "
    "customer contract budget baseline drift threshold alert rollout canary feature store"
).split()


def answer_text(seed: int, lines: int = 4) -> str:
    """A realistic multi-line answer (about 60-80 characters a line)."""
    rng = random.Random(seed)
    out = []
    for _ in range(lines):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < 60:
            words.append(rng.choice(_WORDS))
        out.append(" ".join(words).capitalize() + ".")
    return "\n".join(out)


def big_text(size: int, multiline: bool, variant: int) -> str:
    """About `size` characters: 79-character lines, or one single line."""
    unit = answer_text(variant, lines=20).replace("\n", " ")
    text = (unit + " ") * (size // (len(unit) + 1) + 1)
    text = f"variant {variant}: " + text
    text = text[:size]
    if multiline:
        text = "\n".join(text[i : i + 79] for i in range(0, len(text), 80))
    return text


# ---------------------------------------------------------------------------- projects


def make_project(repo: Path, history: int, *, extra_files: dict[str, str] | None = None) -> int:
    """Create a project at `repo` with create_project, then `history` commits of fast-import.

    The first imported commit answers every question and adds some ML code
    (`src/*.py`) and `extra_files`; the others alternately re-answer one question
    (round robin) or edit one code file. The working tree is then reset to HEAD.
    Returns the number of commits on the branch.
    """
    from mlreq.projects import create_project

    project, result = create_project(repo, name="Bench project")
    if result.commit_error is not None:
        sys.exit(f"create_project could not commit: {result.commit_error}")
    if history <= 0 and not extra_files:
        return int(git(repo, "rev-list", "--count", "HEAD"))
    templates, questions = _answer_templates(project)
    answers = {qid: answer_text(i) for i, qid in enumerate(questions)}
    stage_of = {q.id: q.stage for q in project.form.questions}
    head = git(repo, "rev-parse", "HEAD").strip()
    stream = bytearray()

    def blob(path: str, content: str) -> None:
        data = content.encode()
        stream.extend(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
        stream.extend(data + b"\n")

    def commit(number: int, message: str, files: dict[str, str]) -> None:
        when = 1_700_000_000 + number * 60
        msg = message.encode()
        stream.extend(b"commit refs/heads/main\n")
        stream.extend(f"author {BENCH_NAME} <{BENCH_EMAIL}> {when} +0000\n".encode())
        stream.extend(f"committer {BENCH_NAME} <{BENCH_EMAIL}> {when} +0000\n".encode())
        stream.extend(f"data {len(msg)}\n".encode() + msg + b"\n")
        if number == 0:
            stream.extend(f"from {head}\n".encode())
        for path, content in files.items():
            blob(path, content)
        stream.extend(b"\n")

    def render(stage: str) -> str:
        return _render(templates[stage], answers)

    code = {f"src/module_{i:02d}.py": _code(i, 0) for i in range(20)}
    first = {f"answers/{stage}.toml": render(stage) for stage in templates}
    first.update(code)
    first.update(extra_files or {})
    commit(0, "Answer every question; add the model code\n", first)
    for n in range(1, history):
        if n % 3 == 0:
            path = f"src/module_{n % 20:02d}.py"
            commit(n, f"Tune {path}\n", {path: _code(n % 20, n)})
        else:
            qid = questions[n % len(questions)]
            answers[qid] = answer_text(n)
            message = f"Answer {qid}\n\n{stage_of[qid]}\n\nMlreq-Question: {qid}\n"
            commit(n, message, {f"answers/{stage_of[qid]}.toml": render(stage_of[qid])})
    git(repo, "fast-import", "--quiet", "--force", input=bytes(stream))
    git(repo, "reset", "--quiet", "--hard", "main")
    return int(git(repo, "rev-list", "--count", "HEAD"))


def _answer_templates(project) -> tuple[dict[str, str], list[str]]:  # type: ignore[no-untyped-def]
    """Each stage file as created, with `status`/`answer` of each question as placeholders."""
    templates: dict[str, str] = {}
    questions: list[str] = []
    for stage in project.form.stages:
        text = (project.root / "answers" / f"{stage.id}.toml").read_text()
        for question in project.form.questions_in(stage.id):
            header = f'["{question.id}"]'
            start = text.index(header)
            block_end = text.find("\n[", start + 1)
            block_end = len(text) if block_end < 0 else block_end
            block = text[start:block_end]
            block = block.replace('status = "open"', "status = @@STATUS@@", 1)
            block = block.replace('answer = ""', f"answer = @@{question.id}@@", 1)
            text = text[:start] + block + text[block_end:]
            questions.append(question.id)
        templates[stage.id] = text
    return templates, questions


_PLACEHOLDER = re.compile(r"@@([a-z0-9.-]+)@@")


def _render(template: str, answers: dict[str, str]) -> str:
    text = template.replace("@@STATUS@@", '"draft"')
    # Answers are plain words and punctuation: a multi-line basic string needs no escapes.
    return _PLACEHOLDER.sub(lambda m: '"""\n' + answers[m.group(1)] + '"""', text)


def _code(module: int, revision: int) -> str:
    lines = [f'"""Model code, module {module} (revision {revision})."""', "", "import math", ""]
    for f in range(30):
        lines += [f"def feature_{f}(x):", f"    return math.log1p(abs(x)) * {revision % 97 + f}", ""]
    return "\n".join(lines) + "\n"


def fill_all_answers(repo: Path) -> None:
    """Answer every question through Project.save (one commit each)."""
    from mlreq.projects import Project

    project = Project.open(repo)
    for i, question in enumerate(project.form.questions):
        result = project.save(question.id, answer=answer_text(1000 + i))
        if result.commit_error is not None:
            sys.exit(f"save failed: {result.commit_error}")
