"""StrictDoc (a real ReqIF consumer) imports the ReqIF export as it is, with the question ids
as UIDs, the questions as titles, the answers as statements and `depends_on` as links.

StrictDoc is heavy (about 90 packages), so it is not a test dependency: the test runs the
`strictdoc` found on PATH (`pip install strictdoc==0.30.4`) and skips, saying so, without it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mlreq.bank import DEFAULT_FORM, builtin_form

from .conftest import HOSTILE, REQ_EVENT, SCRIPT, export_file

STRICTDOC = shutil.which("strictdoc")


def _nodes(sdoc: str) -> dict[str, dict]:
    """UID -> {"title", "statement", "parents"} for each [REQUIREMENT_QUESTION] of an .sdoc."""
    nodes = {}
    for block in sdoc.split("[REQUIREMENT_QUESTION]")[1:]:
        block = block.split("\n[")[0]  # up to the next node or section marker
        uid = re.search(r"^UID: (.+)$", block, re.MULTILINE)
        title = re.search(r"^TITLE: (.+)$", block, re.MULTILINE)
        statement = re.search(r"^STATEMENT: >>>\n(.*?)\n<<<$", block, re.MULTILINE | re.DOTALL)
        assert uid and title, block
        parents = re.findall(r"^- TYPE: Parent\n  VALUE: (.+)\n  ROLE: Depends on$", block, re.MULTILINE)
        nodes[uid.group(1)] = {"title": title.group(1), "statement": statement and statement.group(1), "parents": parents}
    return nodes


@pytest.mark.skipif(STRICTDOC is None, reason="StrictDoc is not installed (pip install strictdoc==0.30.4)")
def test_strictdoc_imports_ids_texts_and_dependency_links(cli, hostile, tmp_path):
    reqif = export_file(cli, hostile.path, tmp_path, "reqif", "--include-unanswered")
    out = tmp_path / "sdoc"

    run = subprocess.run(
        [STRICTDOC, "convert", str(reqif), str(out)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )

    assert run.returncode == 0, run.stdout + run.stderr
    [sdoc_file] = list(out.rglob("*.sdoc"))
    sdoc = sdoc_file.read_text(encoding="utf-8")
    nodes = _nodes(sdoc)
    form = builtin_form(DEFAULT_FORM)
    assert list(nodes) == [q.id for q in form.questions]
    for question in form.questions:
        node = nodes[question.id]
        assert node["title"] == question.text
        assert node["parents"] == list(question.depends_on), question.id
        assert (node["statement"] is not None) == (question.id in HOSTILE), question.id
    assert nodes["scoping.business-problems"]["statement"] == SCRIPT
    assert sum(len(node["parents"]) for node in nodes.values()) > 20
    assert "TITLE: About this form" in sdoc and "How to use it in practice" in sdoc
    assert re.findall(r"^TITLE: (Scoping|Data|Modeling|Deployment)$", sdoc, re.MULTILINE) == ["Scoping", "Data", "Modeling", "Deployment"]


@pytest.mark.skipif(STRICTDOC is None, reason="StrictDoc is not installed (pip install strictdoc==0.30.4)")
def test_strictdoc_imports_requirements_with_their_derived_from_links(cli, with_requirements, tmp_path):
    reqif = export_file(cli, with_requirements.path, tmp_path, "reqif")
    out = tmp_path / "sdoc"

    run = subprocess.run(
        [STRICTDOC, "convert", str(reqif), str(out)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )

    assert run.returncode == 0, run.stdout + run.stderr
    [sdoc_file] = list(out.rglob("*.sdoc"))
    sdoc = sdoc_file.read_text(encoding="utf-8")
    requirements = {}
    for block in sdoc.split("[REQUIREMENT]\n")[1:]:
        block = block.split("\n[")[0]
        uid = re.search(r"^UID: (.+)$", block, re.MULTILINE).group(1)
        statement = re.search(r"^STATEMENT: (?:>>>\n(.*?)\n<<<|(.*))$", block, re.MULTILINE | re.DOTALL)
        parents = re.findall(r"^- TYPE: Parent\n  VALUE: (.+)\n  ROLE: Derived from$", block, re.MULTILINE)
        status = re.search(r"^STATUS: (.+)$", block, re.MULTILINE).group(1)
        requirements[uid] = (statement.group(1) or statement.group(2), parents, status)
    assert list(requirements) == ["REQ-001", "REQ-002", "REQ-003", "REQ-004", "REQ-005"]
    assert requirements["REQ-001"] == (REQ_EVENT, ["data.data-source", "scoping.business-problems"], "draft")
    assert requirements["REQ-003"][1:] == (["modeling.baseline"], "retired")
    assert requirements["REQ-004"][1] == [with_requirements.unanswered]  # its question came along, so the link resolves
    assert re.search(r"^TITLE: Requirements$", sdoc, re.MULTILINE)
    assert f"UID: {with_requirements.unanswered}" in sdoc
