"""The bundled question bank is the thesis, verbatim.

Checks the TOML data under bank/data against the thesis text ("Requirements Grounded MLOps -
A Design Science Study", Bastajic & Boman Karinen, 2023) using only tomllib, so a data
mistake is reported here even if the loader has a bug of its own.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bank" / "data"
FORMS = {name: DATA / "forms" / f"{name}.toml" for name in ("v1", "v2", "v3")}
THESIS_NAME = "requirements-grounded-mlops-thesis.txt"
THESIS_CANDIDATES = [
    Path(os.environ["MLREQ_THESIS"]) if os.environ.get("MLREQ_THESIS") else None,
    ROOT / "seed" / THESIS_NAME,
    ROOT.parent / "shared" / "seed" / THESIS_NAME,
    Path("/work/shared/seed") / THESIS_NAME,
]

ROLE_NAMES = {
    "business-stakeholder": "Business stakeholder",
    "data-scientist": "Data scientist",
    "product-owner": "Product owner",
    "data-engineer": "Data engineer",
    "legal-team": "Legal team",
    "domain-expert": "Domain expert",
    "it-architect": "IT architect",
    "software-engineer": "Software engineer",
    "devops-engineer": "DevOps engineer",
    "mlops-engineer": "MLOps engineer",
}
STAGE_ORDER = [("scoping", "Scoping"), ("data", "Data"), ("modeling", "Modeling"), ("deployment", "Deployment")]

V3_IDS = [
    "scoping.business-problems",
    "scoping.ml-feasibility",
    "scoping.success-metrics",
    "scoping.resources",
    "scoping.budget-limit",
    "scoping.end-user",
    "scoping.user-interface",
    "scoping.domain-expert",
    "data.data-source",
    "data.data-format",
    "data.preprocessing",
    "data.labeling-guidelines",
    "data.labelers",
    "data.metadata",
    "data.privacy",
    "data.ownership",
    "data.data-volume",
    "data.irrelevance",
    "data.cyclic-behaviour",
    "data.minimum-data",
    "data.streaming-frequency",
    "data.acquisition",
    "modeling.baseline",
    "modeling.audit",
    "modeling.bias-risks",
    "modeling.input-serving",
    "modeling.experiment-storage",
    "modeling.business-metrics",
    "modeling.experiment-tracking",
    "modeling.deployment-constraints",
    "deployment.deployment-process",
    "deployment.prediction-location",
    "deployment.software-metrics",
    "deployment.input-metrics",
    "deployment.output-metrics",
    "deployment.retraining-frequency",
    "deployment.performance-requirements",
]
# Table 5.3: added in version three.
ADDED_IN_V3 = {"scoping.budget-limit", "data.labelers", "data.streaming-frequency"}
# Table 5.2: added in version two (the split of v1's first question included).
ADDED_IN_V2 = {
    "scoping.business-problems",
    "scoping.ml-feasibility",
    "scoping.end-user",
    "scoping.user-interface",
    "scoping.domain-expert",
    "data.privacy",
    "data.ownership",
    "data.data-volume",
    "data.irrelevance",
    "data.cyclic-behaviour",
    "data.minimum-data",
    "data.acquisition",
}
# Table 5.2: deleted after version one.
DELETED_AFTER_V1 = {"scoping.business-problems-ai"}
V2_IDS = [qid for qid in V3_IDS if qid not in ADDED_IN_V3]
V1_IDS = ["scoping.business-problems-ai"] + [qid for qid in V2_IDS if qid not in ADDED_IN_V2]

FIGURES = {  # the captions that close each form's figure(s) in the thesis
    "v1": ("Figure A.1:", "Figure A.1:"),
    "v2": ("Figure A.3:", "Figure A.4:"),
    "v3": ("Figure 4.2:", "Figure 4.5:"),
}


def load(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def norm(text: str) -> str:
    """Undo the extraction's escaped dollar and collapse whitespace."""
    return " ".join(text.replace("\\$", "$").split())


def norm_joined(text: str) -> str:
    """As norm(), also rejoining words hyphenated across the extraction's page breaks."""
    return norm(re.sub(r"-\n\s*\n", "", text))


@pytest.fixture(scope="module")
def thesis_lines() -> list[str]:
    for candidate in THESIS_CANDIDATES:
        if candidate is not None and candidate.is_file():
            return candidate.read_text(encoding="utf-8").split("\n")
    pytest.skip(f"thesis text {THESIS_NAME} not found (set MLREQ_THESIS)")


@pytest.fixture(scope="module")
def thesis(thesis_lines: list[str]) -> str:
    return "\n".join(thesis_lines)


@pytest.fixture(scope="module")
def forms() -> dict[str, dict]:
    return {name: load(path) for name, path in FORMS.items()}


@pytest.fixture(scope="module")
def traceability() -> dict:
    return load(DATA / "traceability.toml")


@pytest.fixture(scope="module")
def front_page() -> dict:
    return load(DATA / "front_page.toml")


def figure_rows(lines: list[str], form: str) -> list[tuple[str, str, str, str]]:
    """(stage, roles cell, question cell, examples cell) for every row of a form's figure(s)."""
    first, last = FIGURES[form]
    first_caption = next(i for i, line in enumerate(lines) if line.startswith(first))
    last_caption = next(i for i, line in enumerate(lines) if line.startswith(last))
    start = max(i for i in range(first_caption) if lines[i].startswith("Part of ML Lifecycle\t"))
    rows, stage = [], None
    for line in lines[start:last_caption]:
        match = re.match(r"^(Scoping|Data|Modeling|Deployment):\t*$", line)
        if match:
            stage = match[1].lower()
            continue
        cells = line.split("\t")
        if len(cells) == 5 and cells[0] == "" and not line.startswith("Part of ML Lifecycle"):
            rows.append((stage, cells[1], cells[2], norm(cells[4])))
    return rows


# ---------------------------------------------------------------- parsing and shape


@pytest.mark.parametrize("name", ["v1", "v2", "v3", "traceability", "front_page"])
def test_every_file_parses(name: str) -> None:
    path = FORMS.get(name, DATA / f"{name}.toml")
    assert isinstance(load(path), dict)


def test_v3_shape(forms: dict[str, dict]) -> None:
    v3 = forms["v3"]
    assert v3["form"]["id"] == "v3"
    assert v3["form"]["front_page"] == "v3"
    assert len(v3["questions"]) == 37
    assert [(s["id"], s["name"]) for s in v3["stages"]] == STAGE_ORDER
    counts = [sum(q["stage"] == sid for q in v3["questions"]) for sid, _ in STAGE_ORDER]
    assert counts == [8, 14, 8, 7]
    assert [r["id"] for r in v3["roles"]] == list(ROLE_NAMES)
    assert len(v3["roles"]) == 10


def test_v2_and_v1_shape(forms: dict[str, dict]) -> None:
    v2, v1 = forms["v2"], forms["v1"]
    assert v2["form"]["front_page"] == "v2"
    assert "front_page" not in v1["form"]
    assert [sum(q["stage"] == sid for q in v2["questions"]) for sid, _ in STAGE_ORDER] == [7, 12, 8, 7]
    assert [sum(q["stage"] == sid for q in v1["questions"]) for sid, _ in STAGE_ORDER] == [3, 5, 8, 7]


@pytest.mark.parametrize("name", ["v1", "v2", "v3"])
def test_questions_are_in_stage_order(forms: dict[str, dict], name: str) -> None:
    order = [sid for sid, _ in STAGE_ORDER]
    positions = [order.index(q["stage"]) for q in forms[name]["questions"]]
    assert positions == sorted(positions)


# ---------------------------------------------------------------- ids and references


@pytest.mark.parametrize("name", ["v1", "v2", "v3"])
def test_ids_unique_and_well_formed(forms: dict[str, dict], name: str) -> None:
    form = forms[name]
    for key in ("stages", "roles", "questions"):
        ids = [entry["id"] for entry in form[key]]
        assert len(ids) == len(set(ids)), f"{name}: duplicate {key} id"
    for question in form["questions"]:
        assert re.fullmatch(r"[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*", question["id"]), question["id"]
        assert question["id"].split(".")[0] == question["stage"]


@pytest.mark.parametrize("name", ["v1", "v2", "v3"])
def test_references_resolve(forms: dict[str, dict], traceability: dict, name: str) -> None:
    form = forms[name]
    stages = {s["id"] for s in form["stages"]}
    roles = {r["id"] for r in form["roles"]}
    traces = {item["id"] for item in traceability["items"]}
    used_roles: set[str] = set()
    for question in form["questions"]:
        assert question["stage"] in stages
        assert question["roles"], question["id"]
        assert set(question["roles"]) <= roles, question["id"]
        used_roles |= set(question["roles"])
        assert set(question["traces"]) <= traces, question["id"]
        assert question["origin"] == "thesis"
        if not question["traces"]:
            assert "Table 5.1 does not cover" in question.get("trace_note", ""), question["id"]
    assert used_roles == roles, f"{name}: [[roles]] must be exactly the roles its questions use"


@pytest.mark.parametrize("name", ["v1", "v2", "v3"])
def test_roles_normalised(forms: dict[str, dict], name: str) -> None:
    form = forms[name]
    by_spelling: dict[str, str] = {}
    for role in form["roles"]:
        assert role["name"] == ROLE_NAMES[role["id"]]
        for spelling in (role["name"], *role.get("aliases", ())):
            assert spelling not in by_spelling, spelling
            by_spelling[spelling] = role["id"]
    for question in form["questions"]:
        printed = [part.strip() for part in question["roles_as_printed"].split(",")]
        assert [by_spelling[p] for p in printed] == question["roles"], question["id"]


def test_ids_per_version(forms: dict[str, dict]) -> None:
    assert [q["id"] for q in forms["v3"]["questions"]] == V3_IDS
    assert [q["id"] for q in forms["v2"]["questions"]] == V2_IDS
    v1_ids = [q["id"] for q in forms["v1"]["questions"]]
    assert sorted(v1_ids) == sorted(V1_IDS)
    # Questions shared between versions are the ones that survived (tables 5.2, 5.3).
    assert set(v1_ids) & set(V3_IDS) == set(V1_IDS) - DELETED_AFTER_V1
    assert set(V2_IDS) - set(v1_ids) == ADDED_IN_V2
    assert set(V3_IDS) - set(V2_IDS) == ADDED_IN_V3


def test_survivors_keep_their_text_or_a_known_rewording(forms: dict[str, dict]) -> None:
    reworded = {"data.labeling-guidelines": "What is the data labeling standard?"}
    v3 = {q["id"]: q for q in forms["v3"]["questions"]}
    for name in ("v1", "v2"):
        for question in forms[name]["questions"]:
            if question["id"] in v3:
                expected = reworded.get(question["id"], v3[question["id"]]["text"])
                assert question["text"] == expected, (name, question["id"])


def test_traces_follow_table_5_1(forms: dict[str, dict]) -> None:
    expected = {
        "scoping.business-problems-ai": ["BP4"],
        "scoping.business-problems": ["BP4"],
        "scoping.ml-feasibility": ["BP4"],
        "scoping.success-metrics": ["BP4"],
        "scoping.resources": ["BP4"],
        "data.data-source": ["P5"],
        "data.data-format": ["P5"],
        "data.preprocessing": ["P5"],
        "data.metadata": ["P5"],
        "data.labeling-guidelines": ["BP3"],
        "modeling.baseline": ["P3"],
        "modeling.business-metrics": ["P3"],
        "modeling.audit": ["P6"],
        "modeling.bias-risks": ["P6"],
        "modeling.input-serving": ["BP2"],
        "modeling.deployment-constraints": ["BP2"],
        "modeling.experiment-storage": ["BP1"],
        "modeling.experiment-tracking": ["BP1"],
        "deployment.software-metrics": ["P1", "P2"],
        "deployment.input-metrics": ["P1", "P2"],
        "deployment.output-metrics": ["P1", "P2"],
        "deployment.retraining-frequency": ["P1", "P2"],
        "deployment.prediction-location": ["P4"],
        "deployment.performance-requirements": ["P4"],
        "deployment.deployment-process": ["P4"],
    }
    for name in ("v1", "v2", "v3"):
        for question in forms[name]["questions"]:
            assert question["traces"] == expected.get(question["id"], []), (name, question["id"])


# ---------------------------------------------------------------- verbatim against the thesis


@pytest.mark.parametrize("name", ["v1", "v2", "v3"])
def test_text_and_examples_occur_verbatim(forms: dict[str, dict], thesis: str, name: str) -> None:
    haystack = norm(thesis)
    for question in forms[name]["questions"]:
        assert "\\$" not in question["examples"]
        for key in ("text", "examples", "roles_as_printed"):
            assert norm(question[key]) in haystack, (name, question["id"], key)


@pytest.mark.parametrize("name", ["v1", "v2", "v3"])
def test_questions_match_the_figure_rows(forms: dict[str, dict], thesis_lines: list[str], name: str) -> None:
    rows = figure_rows(thesis_lines, name)
    ours = [
        (q["stage"], q["roles_as_printed"], q["text"], q["examples"]) for q in forms[name]["questions"]
    ]
    assert ours == rows


def test_traceability_items_verbatim(traceability: dict, thesis: str) -> None:
    haystack = norm_joined(thesis)
    items = traceability["items"]
    assert [i["id"] for i in items] == ["P1", "P2", "P3", "P4", "P5", "P6", "BP1", "BP2", "BP3", "BP4"]
    for item in items:
        assert item["kind"] == ("challenge" if item["id"].startswith("P") else "best-practice")
        heading = f"{item['id']} - {item['title']}: "
        assert norm(heading + item["description"]) in haystack, item["id"]
        cited = re.findall(r"\[(\d+)\]", item["description"])
        assert set(cited) <= set(item["sources"]), item["id"]
    references = {ref["id"]: ref["text"] for ref in traceability["references"]}
    for item in items:
        assert set(item["sources"]) <= set(references), item["id"]
    for ref_id, text in references.items():
        assert f"- [{ref_id}] {text}" in thesis.split("\n"), ref_id


def test_front_pages_verbatim(front_page: dict, thesis: str) -> None:
    haystack = norm(thesis)
    assert set(front_page) == {"v2", "v3"}
    for key, page in front_page.items():
        for field in ("title", "purpose", "practice", "stages"):
            if field in page:
                assert norm(page[field]) in haystack, (key, field)
        names = [column["name"] for column in page["columns"]]
        assert names == ["Part of ML Lifecycle", "Roles to Ask", "Requirement Questions", "Requirement Answers", "Examples"]
        for column in page["columns"]:
            assert f"{column['name']}: {column['description']}" in thesis, (key, column["name"])
    assert front_page["v3"]["stage_cycle"] == ["Scoping", "Data", "Modeling", "Deployment"]
    assert "stages" in front_page["v3"] and "stages" not in front_page["v2"]
    assert front_page["v2"]["practice"] == front_page["v3"]["practice"]
    assert front_page["v2"]["purpose"] != front_page["v3"]["purpose"]
