"""Issue 3's bad situations, one test each, on real repositories in tmp_path.

Each test checks the non-negotiable: nothing typed is lost, nothing on disk is
overwritten or silently recreated, and the app keeps running and says what happened.
"""

from __future__ import annotations

import json
import os
import signal
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from mlreq.projects import Project
from mlreq.projects.drafts import DraftStore, rescue_folder
from mlreq.tui.modals.conflict_modal import ConflictModal
from mlreq.tui.modals.recover_drafts import RecoverDrafts
from mlreq.tui.screens.form_screen import FormScreen
from tui_helpers import (
    Tmux,
    commit_count,
    committed_answer,
    git_status,
    head_trailers,
    log,
    notifications,
    screen_text,
    settle,
    subjects,
    wait_until,
)

FIRST = "scoping.business-problems"
SECOND = "scoping.ml-feasibility"


def form(app) -> FormScreen:  # type: ignore[no-untyped-def]
    assert isinstance(app.screen, FormScreen), f"expected the form screen, got {app.screen!r}"
    return app.screen


async def go_to(app, pilot, question_id: str) -> None:  # type: ignore[no-untyped-def]
    """Show a question (what ctrl+g or the list do; the keys are tested in test_form_pilot)."""
    form(app).go_to(question_id)
    form(app).editor.focus()
    await settle(app, pilot)
    assert form(app).current == question_id
    assert app.focused is form(app).editor


@pytest.fixture
def slow_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    """No autosave within the test: saves happen on the keys the test presses."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 600.0)


# --------------------------------------------------------------------------- the folder disappears


@pytest.fixture
def app_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's own order of events: the draft (0.3 s) lands before the autosave."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 0.5)


async def test_project_folder_deleted_while_open(fresh: Project, make_app, app_timing) -> None:
    root = fresh.root
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press(*"first words")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "first words")
        await settle(app, pilot)
        shutil.rmtree(root)
        await pilot.press(*", then gone")
        assert await wait_until(pilot, lambda: screen.indicator.state == "failed" and "gone" in screen.indicator.detail)
        await pilot.pause(0.6)  # the draft timer, the autosave timer and several polls
        await pilot.press("ctrl+s")  # an explicit save must not recreate it either
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, FormScreen)
        assert screen.editor.text == "first words, then gone"
        assert screen.indicator.state == "failed"
        assert any("gone" in n for n in notifications(app)), notifications(app)
        assert not root.exists(), f"the app recreated {root}: {sorted(p.name for p in root.rglob('*'))}"
    assert not root.exists()
    # What was typed after the folder went is kept outside it, in the user's state folder.
    rescued = sorted((rescue_folder() / root.name).glob(f"{FIRST}@*.json"))  # one file per app session
    assert len(rescued) == 1
    assert json.loads(rescued[0].read_text("utf-8"))["text"] == "first words, then gone"


# --------------------------------------------------------------------------- read-only


def _make_read_only(root: Path) -> list[Path]:
    """chmod a-w on the project; as root (where permissions do not stop writes) also the
    immutable attribute, which stops root too. Returns what to undo; skips if impossible."""
    paths = [root, *sorted(root.rglob("*"))]
    for path in paths:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)
    probe = root / ".probe"
    try:
        probe.write_text("x")
    except OSError:
        return []  # permissions alone make it read-only: an ordinary user
    probe.unlink()
    chattr = shutil.which("chattr")
    if chattr is None:
        _restore(root, [])
        pytest.skip("running as root, where chmod does not stop writes, and chattr is missing")
    immutable = [p for p in paths if not p.is_symlink()]
    result = subprocess.run([chattr, "+i", *map(str, immutable)], capture_output=True, text=True)
    if result.returncode != 0:
        _restore(root, [])
        pytest.skip(f"running as root, where chmod does not stop writes, and `chattr +i` failed: {result.stderr.strip()}")
    try:
        probe.write_text("x")
    except OSError:
        return immutable
    _restore(root, immutable)
    pytest.skip("running as root, and neither chmod nor chattr +i stops writes on this filesystem")


def _restore(root: Path, immutable: list[Path]) -> None:
    if immutable:
        subprocess.run(["chattr", "-i", *map(str, immutable)], check=True)
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)


async def test_project_folder_read_only_while_open(fresh: Project, make_app) -> None:
    root = fresh.root
    scoping = root / "answers" / "scoping.toml"
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.pause()
        before = scoping.read_bytes()
        commits = commit_count(root)
        immutable = _make_read_only(root)
        try:
            await pilot.press(*"read-only typing")
            assert await wait_until(pilot, lambda: screen.indicator.state == "failed")
            await settle(app, pilot)
            assert "cannot write" in screen.indicator.detail, screen.indicator.detail
            assert app.is_running and isinstance(app.screen, FormScreen)
            assert screen.editor.text == "read-only typing"
            assert scoping.read_bytes() == before
            assert commit_count(root) == commits
        finally:
            _restore(root, immutable)
        # The disk is writable again: the next save (ctrl+s) writes and commits the text.
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "read-only typing")
        await settle(app, pilot)
        assert screen.indicator.state == "saved"
    assert subjects(root)[0] == f"Answer {FIRST}"
    assert git_status(root) == ""


@pytest.mark.parametrize("cause", ["read-only", "broken-toml"])
async def test_a_failed_save_of_a_question_left_behind_keeps_its_text(
    fresh: Project, make_app, slow_autosave, cause: str
) -> None:
    """Type, move on at once with ctrl+n while the save is refused, come back once the
    problem is gone: the words typed must still be somewhere (screen, file or draft)."""
    root = fresh.root
    data = root / "answers" / "data.toml"
    question = FIRST if cause == "read-only" else "data.data-source"
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await go_to(app, pilot, question)
        immutable: list[Path] = []
        if cause == "read-only":
            immutable = _make_read_only(root)
        else:
            good = data.read_bytes()
            data.write_text(BROKEN, encoding="utf-8")
        try:
            await pilot.press(*"left behind", "ctrl+n")
            assert await wait_until(pilot, lambda: screen.indicator.state == "failed")
            await settle(app, pilot)
            assert screen.current != question
        finally:
            if cause == "read-only":
                _restore(root, immutable)
            else:
                data.write_bytes(good)
        await pilot.pause(0.5)  # the watcher sees the repaired file
        await pilot.press("ctrl+r", "ctrl+s")
        await settle(app, pilot)
        assert screen.current == question
        kept = {
            "screen": screen.editor.text,
            "file": fresh.entry(question).answer,
            "drafts": " ".join(d.text for d in DraftStore(root).all()),
        }
    assert any("left behind" in text for text in kept.values()), kept


# --------------------------------------------------------------------------- a broken hand edit


BROKEN = '''# Data: hand-edited in vim, a quote forgotten
["data.data-source"]
answer = "Telemetry from the CPMS
status = "draft"
'''


async def test_toml_broken_by_a_hand_edit_while_open(fresh: Project, make_app) -> None:
    data = fresh.root / "answers" / "data.toml"
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.pause()
        data.write_text(BROKEN, encoding="utf-8")
        broken = data.read_bytes()
        assert await wait_until(pilot, lambda: any("answers/data.toml:" in n for n in notifications(app)))
        message = next(n for n in notifications(app) if "answers/data.toml:" in n)
        line = message.split("answers/data.toml:", 1)[1].split(":", 1)[0]
        assert line.isdigit() and 1 <= int(line) <= 5, message
        assert "answers/data.toml:" in screen.indicator.detail
        # The user keeps working in that stage: typing, the autosave, ctrl+s, leaving.
        await go_to(app, pilot, "data.data-source")
        await pilot.press(*"while broken")
        await pilot.pause(0.3)  # past the autosave delay
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, FormScreen)
        assert data.read_bytes() == broken, "the app overwrote a file it could not read"
        assert screen.editor.text == "while broken"
        assert screen.indicator.state == "failed"
        assert "answers/data.toml:" in screen.indicator.detail
        # Other stages still save to disk; git gets them once every file reads again.
        await go_to(app, pilot, FIRST)
        await pilot.press(*"scoping works", "ctrl+s")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "scoping works")
        await settle(app, pilot)
        assert data.read_bytes() == broken
        assert commit_count(fresh.root) == 1
        assert "answers/data.toml:" in screen.indicator.detail
        data.write_text(BROKEN.replace("CPMS\n", "CPMS\"\n"), encoding="utf-8")  # repaired in vim
        assert await wait_until(pilot, lambda: subjects(fresh.root)[0] != subjects(fresh.root)[-1])
        await settle(app, pilot)
        assert screen.indicator.state == "saved", screen.indicator.detail
    assert head_trailers(fresh.root) == [FIRST, "data.data-source"]
    assert committed_answer(fresh.root, "scoping", FIRST)["answer"] == "scoping works"
    assert committed_answer(fresh.root, "data", "data.data-source")["answer"] == "Telemetry from the CPMS"


async def test_typed_text_is_saved_once_the_broken_file_is_repaired(fresh: Project, make_app, slow_autosave) -> None:
    data = fresh.root / "answers" / "data.toml"
    good = data.read_bytes()
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await go_to(app, pilot, "data.data-source")
        data.write_text(BROKEN, encoding="utf-8")
        assert await wait_until(pilot, lambda: "answers/data.toml:" in screen.indicator.detail)  # the watcher
        await pilot.press(*"kept through", "ctrl+s")  # a save that must fail
        await settle(app, pilot)
        assert screen.indicator.state == "failed"
        assert "answers/data.toml:" in screen.indicator.detail
        assert data.read_text("utf-8") == BROKEN
        data.write_bytes(good)  # the user fixes the file in vim
        assert await wait_until(pilot, lambda: "data.toml" not in screen.indicator.detail, timeout=5)
        assert screen.indicator.state == "unsaved"
        assert screen.editor.text == "kept through"
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: fresh.entry("data.data-source").answer == "kept through")
        await settle(app, pilot)
    assert subjects(fresh.root)[0] == "Answer data.data-source"
    assert tomllib.loads(data.read_text("utf-8"))["data.data-source"]["answer"] == "kept through"


# --------------------------------------------------------------------------- two app instances


async def test_two_apps_editing_different_questions_both_commit(fresh: Project, make_app) -> None:
    other = Project.open(fresh.root)
    app1, app2 = make_app(fresh), make_app(other)
    async with app1.run_test(size=(80, 24)) as pilot1, app2.run_test(size=(80, 24)) as pilot2:
        await pilot2.press("ctrl+n")
        await settle(app2, pilot2)
        assert form(app2).current == SECOND
        await pilot1.press(*"session one")
        await pilot2.press(*"session two")
        assert await wait_until(pilot1, lambda: fresh.entry(FIRST).answer == "session one")
        assert await wait_until(pilot2, lambda: fresh.entry(SECOND).answer == "session two")
        # Each session notices the other's answer and shows it, without a conflict.
        assert await wait_until(pilot1, lambda: form(app1).entries[SECOND].answer == "session two")
        assert await wait_until(pilot2, lambda: form(app2).entries[FIRST].answer == "session one")
        await settle(app1, pilot1)
        await settle(app2, pilot2)
        assert not isinstance(app1.screen, ConflictModal) and not isinstance(app2.screen, ConflictModal)
        assert form(app1).editor.text == "session one"
        assert form(app2).editor.text == "session two"
    # (how many commits each took depends on typing speed against the autosave delay)
    assert set(subjects(fresh.root)[:-1]) == {f"Answer {FIRST}", f"Answer {SECOND}"}
    assert committed_answer(fresh.root, "scoping", FIRST)["answer"] == "session one"
    assert committed_answer(fresh.root, "scoping", SECOND)["answer"] == "session two"
    assert git_status(fresh.root) == ""


@pytest.mark.parametrize("noticed_by", ["save", "watcher"])
async def test_two_apps_editing_the_same_question_show_a_conflict(
    fresh: Project, make_app, slow_autosave, noticed_by: str
) -> None:
    """Session two typed over the empty answer while session one saved its own text.

    "save": session two does not poll, so its ctrl+s finds the conflict; "watcher": its
    poll notices the outside change while the user is still typing."""
    other = Project.open(fresh.root)
    app1 = make_app(fresh)
    app2 = make_app(other, poll_interval=600.0 if noticed_by == "save" else 0.2)
    async with app1.run_test(size=(80, 24)) as pilot1, app2.run_test(size=(80, 24)) as pilot2:
        await pilot2.press(*"beta two")
        await pilot2.pause(0.5)  # its draft is on disk
        await pilot1.press(*"alpha one", "ctrl+s")
        assert await wait_until(pilot1, lambda: fresh.entry(FIRST).answer == "alpha one")
        if noticed_by == "save":
            await pilot2.press("ctrl+s")
        assert await wait_until(pilot2, lambda: isinstance(app2.screen, ConflictModal))
        assert await wait_until(pilot2, lambda: app2.screen.takes_keys)  # typing momentum never chooses
        modal = app2.screen
        assert modal.mine == "beta two"
        assert modal.theirs == "alpha one"
        # Meanwhile neither text is lost: one in git, the other in the editor and its draft.
        assert committed_answer(fresh.root, "scoping", FIRST)["answer"] == "alpha one"
        assert form_screen_of(app2).editor.text == "beta two"
        await pilot2.press("m")  # keep mine
        assert await wait_until(pilot2, lambda: fresh.entry(FIRST).answer == "beta two")
        await settle(app2, pilot2)
        assert isinstance(app2.screen, FormScreen)
    texts = [
        committed_answer(fresh.root, "scoping", FIRST, revision)["answer"]
        for revision in ("HEAD", "HEAD~1")
    ]
    assert texts == ["beta two", "alpha one"]
    assert log(fresh.root, "%s")[:2] == [f"Answer {FIRST}", f"Answer {FIRST}"]


async def test_a_save_in_one_session_keeps_the_other_sessions_draft(fresh: Project, make_app, slow_autosave) -> None:
    other = Project.open(fresh.root)
    app1, app2 = make_app(fresh), make_app(other, poll_interval=600.0)
    async with app1.run_test(size=(80, 24)) as pilot1, app2.run_test(size=(80, 24)) as pilot2:
        await pilot2.press(*"beta two")
        assert await wait_until(pilot2, lambda: any(d.text == "beta two" for d in DraftStore(fresh.root).all()))
        await pilot1.press(*"alpha one", "ctrl+s")
        assert await wait_until(pilot1, lambda: fresh.entry(FIRST).answer == "alpha one")
        await settle(app1, pilot1)
        # Session two is still typing (it could be killed now): its draft must still be there.
        assert {d.question_id: d.text for d in DraftStore(fresh.root).all()}.get(FIRST) == "beta two"


def form_screen_of(app) -> FormScreen:  # type: ignore[no-untyped-def]
    return app.get_screen("form")  # type: ignore[return-value]


# --------------------------------------------------------------------------- a 100 KB paste


async def test_a_100_kb_answer_pasted_in_is_saved_and_committed(fresh: Project, make_app) -> None:
    line = "Telemetry über OCPP 1.6 — 45 GB/month, kept 3 years; drift checked weekly. ✓\n"
    text = (line * (100_000 // len(line) + 1))[:100_000]
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press(*"Sources: ")
        screen.editor.insert(text)  # as a terminal paste lands
        assert not screen.editor.read_only
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "Sources: " + text, timeout=20)
        await settle(app, pilot)
        assert screen.indicator.state == "saved"
    stored = tomllib.loads((fresh.root / "answers" / "scoping.toml").read_text("utf-8"))[FIRST]["answer"]
    assert stored == "Sources: " + text
    assert committed_answer(fresh.root, "scoping", FIRST)["answer"] == "Sources: " + text
    assert subjects(fresh.root)[0] == f"Answer {FIRST}"


# --------------------------------------------------------------------------- kill -9


def _mlreq_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))}
    env.pop("MLREQ_AUTHOR", None)
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return env


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGHUP], ids=["kill-9", "hangup"])
async def test_killed_while_typing_the_answer_is_offered_on_the_next_start(
    fresh: Project, make_app, tmp_path: Path, signum: int
) -> None:
    """The real `mlreq` in tmux: one answer autosaved, a second being typed, then kill -9
    (the draft written 0.3 s after typing is all there is) or a hangup (a dropped SSH
    session: the app writes the draft in its signal handler)."""
    root = fresh.root
    with Tmux(tmp_path, [sys.executable, "-m", "mlreq", str(root)], env=_mlreq_env(tmp_path)) as tmux:
        assert tmux.wait_for("Answer"), tmux.capture()
        tmux.type("autosaved before the kill")
        assert tmux.wait_for("committed"), tmux.capture()  # the app's own 2 s autosave
        tmux.keys("C-n")
        assert tmux.wait_for("Can the business problems be solved"), tmux.capture()
        tmux.type("typed just before the kill")
        assert tmux.wait_for("typed just before the kill"), tmux.capture()
        drafts = root / ".mlreq" / "drafts"

        def draft_written() -> bool:  # one file per app session: <question>@<pid>-<token>.json
            return any(drafts.glob(f"{SECOND}@*.json"))

        if signum == signal.SIGKILL:
            deadline = time.monotonic() + 1.5  # the draft lands 0.3 s after typing; the autosave at 2 s
            while not draft_written() and time.monotonic() < deadline:
                time.sleep(0.05)
        tmux.kill_app(signum)
        assert tmux.wait_exit(), tmux.capture()
    assert subjects(root)[0] == f"Answer {FIRST}", "the second answer was saved before the kill: the test proves nothing"
    assert committed_answer(root, "scoping", FIRST)["answer"] == "autosaved before the kill"
    assert Project.open(root).entry(SECOND).answer == ""
    assert draft_written()

    restarted = Project.open(root)
    app = make_app(restarted)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, RecoverDrafts))
        offer = app.screen
        assert [(d.question_id, d.text) for d in offer.drafts] == [(SECOND, "typed just before the kill")]
        for _ in range(5):  # keyboard only: tab to "Restore and save"
            if app.focused is not None and app.focused.id == "restore":
                break
            await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "restore"
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: restarted.entry(SECOND).answer == "typed just before the kill")
        await settle(app, pilot)
        assert form(app).current == SECOND
        assert form(app).editor.text == "typed just before the kill"
    assert log(root)[:2] == ["Test Person", f"Answer {SECOND}"]
    assert committed_answer(root, "scoping", FIRST)["answer"] == "autosaved before the kill"
    assert not draft_written()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_terminated_while_typing_the_answer_is_committed_and_the_exit_says_so(fresh: Project, tmp_path: Path) -> None:
    """The real `mlreq` in tmux gets SIGTERM (a shutdown, `kill`, a supervisor's stop)
    while an answer is being typed, before any autosave: the app commits what it shows,
    leaves no draft and no git lock behind, and ends with 143 (128 + SIGTERM)."""
    import shlex

    root, status = fresh.root, tmp_path / "exit-status"
    # A shell around it writes the exit status (tmux's own can be missing while its child is unreaped).
    command = f"{shlex.join([sys.executable, '-m', 'mlreq', str(root)])}; echo $? > {shlex.quote(str(status))}"
    with Tmux(tmp_path, ["sh", "-c", command], env=_mlreq_env(tmp_path)) as tmux:
        assert tmux.wait_for("Answer"), tmux.capture()
        tmux.type("typed just before the stop")
        assert tmux.wait_for("typed just before the stop"), tmux.capture()
        shell = tmux.app_pid()
        [app] = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        os.kill(int(app), signal.SIGTERM)
        deadline = time.monotonic() + 20
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert status.read_text().strip() == "143"
    assert subjects(root)[0] == f"Answer {FIRST}"
    assert committed_answer(root, "scoping", FIRST)["answer"] == "typed just before the stop"
    assert git_status(root) == ""
    assert not (root / ".git" / "index.lock").exists()
    assert list((root / ".mlreq" / "drafts").glob("*.json")) == []


# --------------------------------------------------------------------------- the question set changes elsewhere


async def test_a_question_added_elsewhere_appears_in_the_list_and_takes_answers(fresh: Project, make_app) -> None:
    # As after a sync that brings the other site's tailoring, or `mlreq form add` in another terminal.
    from mlreq.projects.tailoring import FormEditor, form_message

    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await settle(app, pilot)
        editor = FormEditor.open(Project.open(fresh.root))
        added = editor.add_question("scoping", ["Data scientist"], "Who pays for a charger's downtime?")
        assert editor.save(form_message("add", str(added), "Who pays")).commit_error is None
        assert await wait_until(pilot, lambda: str(added) in screen.shown), "the new question never reached the list"
        await go_to(app, pilot, str(added))
        assert "Who pays for a charger's downtime?" in screen_text(app)
        await pilot.press(*"The operator")
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: fresh.entry(str(added)).answer == "The operator")
        await settle(app, pilot)
    assert committed_answer(fresh.root, "scoping", str(added))["answer"] == "The operator"
