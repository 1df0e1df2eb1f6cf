"""mlreq's own additions to the bundled question bank are well-formed and leave the thesis alone.

The final form (v3) carries, per question, a `[questions.mlreq]` sub-table (depends_on,
rationale, impact, priority), and `bank/data/optional_questions.toml` offers the questions the
thesis' interviewees proposed that did not make the final form. Both are mlreq's, not the
thesis'. These checks use only tomllib (and git for the committed v3), so a data mistake is
reported here even if the loader has a bug of its own.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bank" / "data"
V3 = DATA / "forms" / "v3.toml"
V3_IN_REPO = "bank/data/forms/v3.toml"
OPTIONAL = DATA / "optional_questions.toml"
TRACEABILITY = DATA / "traceability.toml"

THESIS_KEYS = ("id", "stage", "roles", "roles_as_printed", "text", "examples", "traces", "trace_note", "origin")
MLREQ_KEYS = {"depends_on", "judgement", "rationale", "impact", "priority"}
PRIORITIES = {"high", "medium", "low"}
OPTIONAL_KEYS = {"id", "stage", "roles", "text", "examples", "traces", "trace_note", "origin", "mlreq"}
PROPOSED_BY_INTERVIEWEES = {"data.data-leakage", "data.preprocessing-location", "scoping.ml-right-approach"}


def _load(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def v3() -> dict:
    return _load(V3)


@pytest.fixture(scope="module")
def v3_questions(v3: dict) -> dict[str, dict]:
    return {question["id"]: question for question in v3["questions"]}


@pytest.fixture(scope="module")
def optional() -> list[dict]:
    return _load(OPTIONAL)["questions"]


@pytest.fixture(scope="module")
def trace_ids() -> set[str]:
    return {item["id"] for item in _load(TRACEABILITY)["items"]}


def _committed_v3() -> dict:
    """v3.toml as committed at HEAD, parsed; skip when this is not a git checkout."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    inside = subprocess.run(
        [git, "rev-parse", "--is-inside-work-tree"], cwd=ROOT, capture_output=True, text=True
    )
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        pytest.skip("not a git checkout")
    shown = subprocess.run(
        [git, "show", f"HEAD:{V3_IN_REPO}"], cwd=ROOT, capture_output=True, check=True
    )
    return tomllib.loads(shown.stdout.decode("utf-8"))


def _topological_order(graph: dict[str, list[str]]) -> list[str]:
    """Kahn's algorithm over question -> upstream ids; fails naming the questions on a cycle."""
    indegree = {qid: len(upstream) for qid, upstream in graph.items()}
    downstream: dict[str, list[str]] = {qid: [] for qid in graph}
    for qid, upstream in graph.items():
        for dep in upstream:
            downstream[dep].append(qid)
    ready = [qid for qid, count in indegree.items() if count == 0]
    order: list[str] = []
    while ready:
        qid = ready.pop()
        order.append(qid)
        for child in downstream[qid]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    stuck = sorted(qid for qid, count in indegree.items() if count > 0)
    assert not stuck, f"dependency cycle among: {', '.join(stuck)}"
    return order


def _check_mlreq_table(qid: str, table: object) -> None:
    assert isinstance(table, dict), f"{qid}: mlreq must be a table ([questions.mlreq])"
    assert set(table) | {"judgement"} == MLREQ_KEYS, f"{qid}: mlreq keys {sorted(table)} != {sorted(MLREQ_KEYS)}"
    assert isinstance(table["depends_on"], list), qid
    assert all(isinstance(dep, str) for dep in table["depends_on"]), qid
    assert len(set(table["depends_on"])) == len(table["depends_on"]), f"{qid}: duplicate dependency"
    assert qid not in table["depends_on"], f"{qid}: depends on itself"
    assert set(table.get("judgement", [])) <= set(table["depends_on"]), f"{qid}: judgement names a non-dependency"
    for key in ("rationale", "impact"):
        assert isinstance(table[key], str) and table[key].strip(), f"{qid}: empty {key}"
    assert table["priority"] in PRIORITIES, f"{qid}: priority {table['priority']!r}"


# --- v3: the [questions.mlreq] sub-tables ---------------------------------------------------


def test_every_v3_question_has_a_complete_mlreq_table(v3: dict) -> None:
    assert len(v3["questions"]) == 37
    for question in v3["questions"]:
        assert "mlreq" in question, f"{question['id']}: no [questions.mlreq]"
        _check_mlreq_table(question["id"], question["mlreq"])


def test_v3_questions_hold_only_thesis_keys_besides_mlreq(v3: dict) -> None:
    for question in v3["questions"]:
        extra = set(question) - set(THESIS_KEYS) - {"mlreq"}
        assert not extra, f"{question['id']}: unexpected keys {sorted(extra)} (mlreq's go under [questions.mlreq])"
        assert question["origin"] == "thesis", question["id"]


def test_every_dependency_names_a_v3_question(v3_questions: dict[str, dict]) -> None:
    for qid, question in v3_questions.items():
        for dep in question["mlreq"]["depends_on"]:
            assert dep in v3_questions, f"{qid}: depends on unknown question {dep!r}"


def test_dependency_graph_is_acyclic(v3_questions: dict[str, dict]) -> None:
    graph = {qid: q["mlreq"]["depends_on"] for qid, q in v3_questions.items()}
    order = _topological_order(graph)
    assert sorted(order) == sorted(v3_questions)
    position = {qid: index for index, qid in enumerate(order)}
    for qid, upstream in graph.items():
        assert all(position[dep] < position[qid] for dep in upstream), qid


def test_dependencies_are_sparse_and_start_from_the_business_problem(v3_questions: dict[str, dict]) -> None:
    counts = [len(q["mlreq"]["depends_on"]) for q in v3_questions.values()]
    assert 1.0 <= sum(counts) / len(counts) <= 2.0, "an average of one to two dependencies per question"
    assert max(counts) <= 3
    assert v3_questions["scoping.business-problems"]["mlreq"]["depends_on"] == []
    roots = [qid for qid, q in v3_questions.items() if not q["mlreq"]["depends_on"]]
    assert all(qid.startswith("scoping.") for qid in roots), roots


def test_dependencies_the_thesis_reasoning_requires(v3_questions: dict[str, dict]) -> None:
    def upstream(qid: str) -> set[str]:
        return set(v3_questions[qid]["mlreq"]["depends_on"])

    assert {"data.data-source"} <= upstream("data.data-format")
    assert {"data.labeling-guidelines", "scoping.budget-limit"} <= upstream("data.minimum-data")
    assert {"data.data-format", "data.cyclic-behaviour"} <= upstream("deployment.input-metrics")
    assert {"deployment.output-metrics", "data.irrelevance"} <= upstream("deployment.retraining-frequency")
    assert {"scoping.business-problems"} <= upstream("scoping.ml-feasibility")
    assert {"scoping.business-problems"} <= upstream("scoping.success-metrics")
    assert {"data.labeling-guidelines"} <= upstream("data.labelers")
    assert {"data.data-source"} <= upstream("data.privacy")
    # Issue 12: the two the thesis states that were missing.
    assert {"scoping.end-user"} <= upstream("data.data-source")  # demographics -> training data (5.1.3)
    assert {"data.metadata"} <= upstream("modeling.bias-risks")  # metadata -> bias assessment (ID7.1)
    assert {"data.data-source"} <= upstream("data.ownership")


def test_priorities_discriminate(v3_questions: dict[str, dict]) -> None:
    counts = Counter(q["mlreq"]["priority"] for q in v3_questions.values())
    for level in PRIORITIES:
        assert counts[level] >= len(v3_questions) // 5, f"too few {level!r}: {dict(counts)}"
    for qid in (
        "scoping.business-problems",
        "scoping.ml-feasibility",
        "scoping.success-metrics",
        "data.data-source",
        "data.privacy",
        "deployment.input-metrics",
        "deployment.output-metrics",
    ):
        assert v3_questions[qid]["mlreq"]["priority"] == "high", qid


# --- v3: the thesis' content is untouched ---------------------------------------------------


def test_thesis_keys_unchanged_from_head(v3: dict) -> None:
    committed = _committed_v3()
    before = [{key: q[key] for key in THESIS_KEYS if key in q} for q in committed["questions"]]
    after = [{key: q[key] for key in THESIS_KEYS if key in q} for q in v3["questions"]]
    assert [q["id"] for q in after] == [q["id"] for q in before], "questions added, removed or reordered"
    for old, new in zip(before, after):
        assert new == old, f"{old['id']}: a thesis key changed"


def test_form_header_stages_and_roles_unchanged_from_head(v3: dict) -> None:
    committed = _committed_v3()
    for key in set(committed) | set(v3):
        if key != "questions":
            assert v3.get(key) == committed.get(key), key


# --- optional_questions.toml -----------------------------------------------------------------


def test_optional_questions_are_marked_as_ours(optional: list[dict]) -> None:
    assert optional, "no optional questions"
    for question in optional:
        assert question["origin"] == "mlreq", question["id"]
        extra = set(question) - OPTIONAL_KEYS
        assert not extra, f"{question['id']}: unexpected keys {sorted(extra)}"
        for key in ("text", "trace_note"):
            assert isinstance(question[key], str) and question[key].strip(), f"{question['id']}: empty {key}"
        assert isinstance(question.get("examples", ""), str), question["id"]


def test_optional_questions_include_the_interviewees_proposals(optional: list[dict]) -> None:
    assert PROPOSED_BY_INTERVIEWEES <= {q["id"] for q in optional}


def test_optional_ids_are_unique_and_do_not_clash_with_v3(
    optional: list[dict], v3_questions: dict[str, dict]
) -> None:
    ids = [q["id"] for q in optional]
    assert len(ids) == len(set(ids)), "duplicate optional id"
    for qid in ids:
        assert qid not in v3_questions, f"{qid}: clashes with a v3 question"
        stage, _, slug = qid.partition(".")
        assert stage and slug, f"{qid}: id must look like 'stage.short-slug'"


def test_optional_stages_roles_and_traces_exist(
    optional: list[dict], v3: dict, trace_ids: set[str]
) -> None:
    stages = {stage["id"] for stage in v3["stages"]}
    roles = {role["id"] for role in v3["roles"]}
    for question in optional:
        assert question["stage"] in stages, question["id"]
        assert question["id"].split(".", 1)[0] == question["stage"], question["id"]
        assert question["roles"], f"{question['id']}: needs at least one role"
        assert set(question["roles"]) <= roles, question["id"]
        assert set(question["traces"]) <= trace_ids, question["id"]


def test_optional_mlreq_tables_depend_on_v3_without_cycles(
    optional: list[dict], v3_questions: dict[str, dict]
) -> None:
    graph = {qid: list(q["mlreq"]["depends_on"]) for qid, q in v3_questions.items()}
    for question in optional:
        _check_mlreq_table(question["id"], question.get("mlreq"))
        for dep in question["mlreq"]["depends_on"]:
            assert dep in v3_questions, f"{question['id']}: depends on unknown question {dep!r}"
        graph[question["id"]] = list(question["mlreq"]["depends_on"])
    _topological_order(graph)


def test_rationales_without_a_thesis_citation_say_they_are_mlreqs_judgement(v3_questions: dict[str, dict]) -> None:
    import re

    cites = re.compile(r"\b(ID\d|BP\d|P\d|RQ\d|table|figure|\d\.\d)")
    for qid, question in v3_questions.items():
        rationale = question["mlreq"]["rationale"]
        assert cites.search(rationale) or rationale.startswith("mlreq's judgement"), qid


def test_each_dependency_is_the_thesis_or_marked_mlreqs_judgement(v3_questions: dict[str, dict]) -> None:
    edges = sum(len(q["mlreq"]["depends_on"]) for q in v3_questions.values())
    judged = sum(len(q["mlreq"]["judgement"]) for q in v3_questions.values())
    assert (edges, judged) == (63, 19)
    for qid, question in v3_questions.items():
        ours = question["mlreq"]
        if ours["rationale"].startswith("mlreq's judgement"):  # cites nothing: every edge is ours
            assert ours["judgement"] == ours["depends_on"], qid
    assert v3_questions["modeling.bias-risks"]["mlreq"]["judgement"] == ["scoping.end-user"]
    assert v3_questions["data.data-source"]["mlreq"]["judgement"] == []
