"""The HTML export opened in headless Chromium (Debian's `chromium` package): what a reader
sees, that a script typed into an answer stays text, and that the page's filters work.

Screenshots land in the test's tmp_path and are copied to tests/exports/artifacts/
(gitignored) for a human to look at. Skipped when no Chromium is installed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from mlreq.projects.demo import ensure_demo

from .conftest import NAME, chromium, export_file, keep_artifact

BROWSER = chromium()
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="chromium is not installed (Debian: apt-get install -y chromium)"
)


def _run(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "chromium-profile"
    command = [
        str(BROWSER),
        "--headless",
        "--no-sandbox",  # tests run as root in CI
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def dump_dom(tmp_path: Path, url: str) -> str:
    return _run(tmp_path, "--dump-dom", url)


def screenshot(tmp_path: Path, url: str, name: str) -> Path:
    target = tmp_path / name
    _run(tmp_path, f"--screenshot={target}", "--window-size=1200,1600", url)
    assert target.stat().st_size > 10_000  # a page, not a blank
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep_artifact(target)
    return target


def test_script_in_an_answer_stays_text_in_a_real_browser(cli, hostile, tmp_path):
    page = export_file(cli, hostile.path, tmp_path, "html")

    dom = dump_dom(tmp_path, page.as_uri())
    screenshot(tmp_path, page.as_uri(), "export-hostile.png")

    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert "PWNED" not in title and title.startswith("Hostile &lt;b&gt;&amp; \"Co\" project")
    assert 'id="pwned"' not in dom and "<p id=pwned>" not in dom  # the answer's script never ran
    assert "&lt;script&gt;document.title" in dom  # ... it is shown as text
    assert "<img" not in dom  # the answer's <img onerror> is text too
    assert NAME.split("<")[0] in dom
    for stage in ("Scoping", "Data", "Modeling", "Deployment"):
        assert f"<h2>{stage}<small>" in dom
    assert "3 of 8 answered" in dom and "7 of 37 questions answered" in dom
    assert "␛[31mred" in dom and "\x1b" not in dom
    # The page's own script did run: the filter bar is shown and counts the questions.
    assert re.search(r'<nav class="filters" id="filters" aria-label="Filters">', dom)
    assert "Showing 37 of 37 questions" in dom


def test_filters_in_the_page_follow_the_address(cli, hostile, tmp_path):
    page = export_file(cli, hostile.path, tmp_path, "html")

    dom = dump_dom(tmp_path, page.as_uri() + "#stage=data&role=data-engineer&status=agreed")

    assert "Showing 1 of 37 questions" in dom
    articles = re.findall(r"<article ([^>]*)>", dom)
    assert len(articles) == 37
    shown = [re.search(r'id="q-([^"]+)"', a).group(1) for a in articles if "hidden" not in a]
    assert shown == ["data.privacy"]
    assert re.search(r'<section class="stage" id="stage-scoping" data-stage="scoping" hidden="">', dom)
    assert re.search(r'<section class="stage" id="stage-data" data-stage="data">', dom)


def test_demo_export_screenshot_reads_well(cli, tmp_path):
    demo = ensure_demo(tmp_path / "demo")
    page = export_file(cli, demo.root, tmp_path, "html")

    shot = screenshot(tmp_path, page.as_uri(), "export-demo.png")
    dom = dump_dom(tmp_path, page.as_uri())

    assert shot.exists()
    assert "Charger fault prediction" in dom
    assert "Answered per stage" in dom and "Answered per role" in dom
    assert "29 of 37 questions answered" in dom
    # Line breaks of a multi-line answer reach the page (the answer box keeps them: pre-wrap).
    assert "opened from a driver complaint (app or hotline).\n- A DC charger" in dom


def test_the_address_takes_the_names_people_type(cli, hostile, tmp_path):
    page = export_file(cli, hostile.path, tmp_path, "html")

    dom = dump_dom(tmp_path, page.as_uri() + "#role=Legal%20team&stage=DATA&status=Agreed")

    articles = re.findall(r"<article ([^>]*)>", dom)
    shown = [re.search(r'id="q-([^"]+)"', a).group(1) for a in articles if "hidden" not in a]
    assert shown == ["data.privacy"]
    assert "Showing 1 of 37 questions" in dom


def test_requirements_follow_the_questions_the_page_filters_show(cli, with_requirements, tmp_path):
    page = export_file(cli, with_requirements.path, tmp_path, "html")

    dom = dump_dom(tmp_path, page.as_uri() + "#stage=modeling")

    assert "Showing 8 of 37 questions, 1 of 5 requirements" in dom
    requirements = re.findall(r'<article (class="r [^>]*)>', dom)
    shown = [re.search(r'id="req-([^"]+)"', a).group(1) for a in requirements if "hidden" not in a]
    assert shown == ["REQ-003"]  # the one written from a modeling question
    anchored = dump_dom(tmp_path, page.as_uri() + "#req-REQ-001")  # a link to a requirement is not a filter
    assert "Showing 37 of 37 questions, 5 of 5 requirements" in anchored
