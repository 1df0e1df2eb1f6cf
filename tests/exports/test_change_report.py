"""`mlreq diff FROM TO --format md|html --output F`: change reports people can hand out.

The Markdown is rendered with markdown-it-py (as a Markdown viewer would), the HTML is
opened in headless Chromium when it is installed; answers are hostile input in both.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from mlreq.projects import Project

from .conftest import HOSTILE, NAME, chromium, keep_artifact
from .test_html_chromium import dump_dom, screenshot

UI = "scoping.user-interface"
RESOURCES = "scoping.resources"
OLD_UI = "A web dashboard for field engineers, refreshed every morning."
NEW_UI = "A mobile app for field engineers, refreshed every morning."


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=path, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def reviewed(cli, project_dir: Path) -> Path:
    """Kick-off: two answers. Then: one reworded, one agreed, a question added, one removed."""
    project = Project.open(project_dir)
    assert project.save(UI, answer=OLD_UI).commit
    assert project.save(RESOURCES, answer="Two engineers.").commit
    assert cli("iteration", "new", "Kick-off", cwd=project_dir).code == 0
    assert project.save(UI, answer=NEW_UI).commit
    assert project.save(RESOURCES, status="agreed").commit
    added = cli("form", "add", "--stage", "Data", "--roles", "Data engineer", "--text", "Which checks run at ingestion?", cwd=project_dir)
    assert added.code == 0, added
    assert cli("form", "remove", "data.data-volume", cwd=project_dir).code == 0
    assert cli("iteration", "new", "Re-scope", cwd=project_dir).code == 0
    return project_dir


def report(cli, path: Path, target: Path, *argv: str) -> str:  # type: ignore[no-untyped-def]
    outcome = cli("diff", *argv, "--output", target, cwd=path)
    assert outcome.code == 0, outcome
    assert outcome.out.startswith(f"wrote {target} (")
    return target.read_text("utf-8")


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


def test_markdown_report_groups_by_stage_with_old_and_new_text(cli, reviewed, tmp_path):
    text = report(cli, reviewed, tmp_path / "changes.md", "Kick-off", "Re-scope", "--format", "md")
    page = rendered(text)

    assert re.findall(r"<h2>(.*?)</h2>", page) == ["Scoping (2 changed)", "Data (2 changed)"]
    headings = re.findall(r"<h3>(.*?)</h3>", page)
    assert [h.split(":")[0] for h in headings] == [RESOURCES, UI, "data.which-checks-run-at-ingestion", "data.data-volume"]
    assert "<del>[-web dashboard-]</del>" in page and "<ins>{+mobile app+}</ins>" in page
    assert "refreshed every morning." in page  # the unchanged words, once per side
    assert "Status: draft → <strong>agreed</strong>" in page
    assert "<em>new question</em>" in page and "<em>question removed</em>" in page
    assert "changed by Test Person (" in page and "; 1 save" in page
    kickoff = git(reviewed, "rev-parse", "iteration/kick-off^{}")[:10]
    assert f"From <strong>Kick-off ({kickoff}, " in page


def test_markdown_report_of_hostile_answers_stays_text(cli, hostile, tmp_path):
    first = hostile.commits["scoping.business-problems"]
    forwards = rendered(report(cli, hostile.path, tmp_path / "f.md", first + "^", "HEAD", "--format", "md"))
    backwards = rendered(report(cli, hostile.path, tmp_path / "b.md", "HEAD", first + "^", "--format", "md"))

    for page in (forwards, backwards):
        tags = set(re.findall(r"<(/?[a-z0-9]+)", page))
        assert tags <= {"h1", "/h1", "h2", "/h2", "h3", "/h3", "p", "/p", "strong", "/strong", "em", "/em",
                        "blockquote", "/blockquote", "br", "del", "/del", "ins", "/ins"}, tags
        assert "&lt;script&gt;document.title" in page
        assert "\x1b" not in page and "␛[31mred" in page
        assert "Hostile &lt;b&gt;&amp; &quot;Co&quot; project" in page
    assert "<ins>{+&lt;script&gt;" in forwards and "<del>[-&lt;script&gt;" in backwards
    assert len(re.findall(r"<h3>", forwards)) == len(HOSTILE)


def test_markdown_report_of_markdown_in_answers_shows_the_characters(cli, project_dir, tmp_path):
    tricky = "# not a heading\n![img](http://example.com/x.png) [link](javascript:alert(1))\n1. *not* a list\n    code?\n===\n"
    Project.open(project_dir).save(UI, answer=tricky)

    page = rendered(report(cli, project_dir, tmp_path / "m.md", "HEAD~1", "HEAD", "--format", "md"))

    assert "<img" not in page and "<a " not in page and "<code" not in page and "<ol" not in page
    assert "![img](http://example.com/x.png) [link](javascript:alert(1))" in page
    assert page.count("<h3>") == 1 and "<h1>" in page and page.count("<h1>") == 1


def test_report_format_follows_the_suffix_and_bad_targets_are_refused(cli, reviewed, tmp_path):
    html = report(cli, reviewed, tmp_path / "changes.html", "Kick-off", "Re-scope")
    assert html.startswith("<!DOCTYPE html>")

    folder = cli("diff", "Kick-off", "Re-scope", "--format", "html", "--output", tmp_path, cwd=reviewed)
    text_to_file = cli("diff", "Kick-off", "Re-scope", "--output", tmp_path / "changes.txt", cwd=reviewed)
    assert folder.code != 0 and "is a folder" in folder.err
    assert text_to_file.code != 0 and "--format md or --format html" in text_to_file.err


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (Debian: apt-get install -y chromium)")
def test_html_report_in_a_real_browser(cli, reviewed, hostile, tmp_path):
    page = tmp_path / "changes.html"
    report(cli, reviewed, page, "Kick-off", "Re-scope", "--format", "html")
    hostile_page = tmp_path / "hostile-changes.html"
    report(cli, hostile.path, hostile_page, "HEAD", hostile.commits["scoping.business-problems"] + "^", "--format", "html")

    dom = dump_dom(tmp_path, page.as_uri())
    screenshot(tmp_path, page.as_uri(), "change-report.png")
    hostile_dom = dump_dom(tmp_path, hostile_page.as_uri())
    keep_artifact(page)

    assert re.findall(r"<h2>(.*?)</h2>", dom) == ["Scoping (2 changed)", "Data (2 changed)"]
    assert '<del><span class="mark">[-</span>web dashboard<span class="mark">-]</span></del>' in dom
    assert '<ins><span class="mark">{+</span>mobile app<span class="mark">+}</span></ins>' in dom
    assert "Status: draft → agreed" in dom
    assert NAME.split("<")[0] in hostile_dom and "PWNED" not in hostile_dom.split("<title>")[1].split("</title>")[0]
    assert 'id="pwned"' not in hostile_dom and "<img" not in hostile_dom
    assert "&lt;script&gt;document.title" in hostile_dom
