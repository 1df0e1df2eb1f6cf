"""Which remotes mlreq accepts, and how it fails: one clear line, never a prompt, nothing written.

Refused URLs leave `.git/config` byte for byte as it was and run nothing (no `ext::`
command, no `--upload-pack`). Unreachable and password-protected remotes fail fast with
git's prompts off, guarded by a subprocess timeout rather than a timed assertion.
"""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Solo, Team, assert_fsck_clean, assert_one_line_error, console, git

REFUSED = [
    "ext::sh -c touch% {tmp}/pwned",
    "EXT::sh -c touch% {tmp}/pwned",
    "fd::17",
    "-oProxyCommand=touch {tmp}/pwned",
    "--upload-pack=touch {tmp}/pwned",
    "ssh://-oProxyCommand=touch%20{tmp}/pwned/x.git",
    "git@-oProxyCommand=x:team/x.git",
    "https://user:hunter2@example.com/x.git",
    "https://token@example.com/x.git",
    "ssh://git:hunter2@example.com/x.git",
    "file://user:hunter2@/srv/hub.git",
    "file://hunter2@/srv/hub.git",
    "https://gitlab.example.com/team/x.git?private_token=hunter2",
    "https://example.com/x.git?access_token=hunter2",
    "git@example.com:team/x.git?private_token=hunter2",
    "/srv/hub.git?private_token=hunter2",
    "git://example.com/x.git",
    "http://example.com/x.git",
    "ftp://example.com/x.git",
    "/abs/path\nwith a newline",
    "",
]
ACCEPTED = [
    "https://example.com/x.git",
    "ssh://git@example.com/x.git",
    "ssh://git@example.com:2222/team/x.git",
    "git@example.com:team/x.git",
    "/abs/path/hub.git",
    "file:///abs/path/hub.git",
]


def _config(side: Path) -> bytes:
    return (side / ".git" / "config").read_bytes()


@pytest.mark.parametrize("url", REFUSED)
def test_refused_remote_leaves_config_untouched(solo: Solo, cli, tmp_path: Path, url: str):
    url = url.format(tmp=tmp_path)
    before_url = git(solo.path, "config", "--get", "remote.origin.url")
    before = _config(solo.path)

    outcome = cli("remote", "set", "--", url, cwd=solo.path)

    line = assert_one_line_error(outcome, 2)
    assert "hunter2" not in line  # a refused password is not echoed back
    assert git(solo.path, "config", "--get", "remote.origin.url") == before_url
    assert _config(solo.path) == before
    assert not (tmp_path / "pwned").exists()
    solo.assert_nothing_lost()


@pytest.mark.parametrize("url", REFUSED)
def test_refused_remote_is_never_cloned(cli, tmp_path: Path, url: str):
    url = url.format(tmp=tmp_path)

    outcome = cli("clone", "--", url, str(tmp_path / "copy"), cwd=tmp_path)

    assert_one_line_error(outcome, 2)
    assert not (tmp_path / "copy").exists()
    assert not (tmp_path / "pwned").exists()


def test_option_looking_urls_are_refused_without_double_dash(solo: Solo, cli, tmp_path: Path):
    before = _config(solo.path)
    for url in ("--upload-pack=touch x", "-oProxyCommand=touch x"):
        assert_one_line_error(cli("remote", "set", url, cwd=solo.path), 2)
        assert_one_line_error(cli("clone", url, "copy", cwd=tmp_path), 2)
    assert _config(solo.path) == before
    assert not (solo.path / "x").exists() and not (tmp_path / "x").exists() and not (tmp_path / "copy").exists()
    solo.assert_nothing_lost()


@pytest.mark.parametrize("url", ACCEPTED)
def test_accepted_remote_is_stored_as_given(solo: Solo, cli, url: str):
    outcome = cli("remote", "set", url, cwd=solo.path)

    assert outcome.code == 0, outcome
    assert git(solo.path, "config", "--get", "remote.origin.url").strip() == url
    assert url in outcome.out
    solo.assert_nothing_lost()


def test_remote_show_never_prints_a_secret_plain_git_stored(solo: Solo, cli):
    """mlreq refuses such URLs, but a `git remote set-url` by hand may have stored one."""
    secret_url = "https://ana:hunter2@git.example.com/team/req.git?private_token=s3cr3t&ref=main"
    git(solo.path, "remote", "set-url", "origin", secret_url)

    outcome = cli("remote", "show", cwd=solo.path)

    assert "hunter2" not in outcome.out + outcome.err and "s3cr3t" not in outcome.out + outcome.err
    assert "https://ana:***@git.example.com/team/req.git?private_token=***&ref=main" in outcome.out


def test_relative_paths_are_stored_as_the_folder_the_user_meant(team: Team, tmp_path: Path):
    sub = team.a / "answers"
    team.mlreq(sub, "remote", "set", "../../hub.git")  # typed from a subfolder of the project

    assert Path(git(team.a, "config", "--get", "remote.origin.url").strip()) == team.hub
    team.answer(team.a, "modeling.audit", "Yearly audit.")
    assert "pushed" in team.sync(team.a).out
    team.assert_nothing_lost()


def test_clone_resolves_a_relative_url_from_the_user_s_folder(team: Team, tmp_path: Path):
    (tmp_path / "work" / "deep").mkdir(parents=True)

    outcome = team.cli("clone", "../hub.git", "deep/c", cwd=tmp_path / "work")

    assert outcome.code == 0, outcome
    assert (tmp_path / "work" / "deep" / "c" / "mlreq.toml").is_file()
    assert Path(git(tmp_path / "work/deep/c", "config", "--get", "remote.origin.url").strip()) == team.hub
    team.assert_nothing_lost(tmp_path / "work/deep/c")


def test_clone_into_a_non_empty_folder_is_refused(team: Team, tmp_path: Path):
    assert_one_line_error(team.cli("clone", str(team.hub), str(team.a), cwd=tmp_path), 2)
    team.assert_nothing_lost()


def test_sync_without_a_remote_says_how_to_set_one(project_dir: Path, cli):
    line = assert_one_line_error(cli("sync", cwd=project_dir))
    assert "mlreq remote set" in line
    assert_fsck_clean(project_dir)


# --------------------------------------------------------------------------- no prompts, no hangs


def test_unreachable_https_remote_fails_fast_with_one_line(team: Team, tmp_path: Path):
    team.mlreq(team.a, "remote", "set", "https://127.0.0.1:9/x.git")
    team.answer(team.a, "modeling.audit", "Kept locally while offline.")

    outcome = console("sync", cwd=team.a, timeout=60, stdin=b"")

    line = assert_one_line_error(outcome)
    assert "https://127.0.0.1:9/x.git" in line and "failed" in line
    assert "Kept locally while offline." in git(team.a, "log", "-p", "-1")  # committed before fetching
    cloned = console("clone", "https://127.0.0.1:9/x.git", str(tmp_path / "c"), cwd=tmp_path, timeout=60)
    assert "127.0.0.1:9" in assert_one_line_error(cloned)
    assert not (tmp_path / "c").exists()
    _back_online(team)


def _back_online(team: Team) -> None:
    """The remote is reachable again: what was typed meanwhile reaches it and the other side."""
    team.mlreq(team.a, "remote", "set", str(team.hub))
    team.sync(team.a)
    team.sync(team.b)
    team.assert_nothing_lost()


def test_unreachable_ssh_remote_fails_fast_with_one_line(team: Team):
    team.mlreq(team.a, "remote", "set", "ssh://git@127.0.0.1:9/x.git")

    outcome = console("sync", cwd=team.a, timeout=60, stdin=b"")

    assert "ssh://git@127.0.0.1:9/x.git" in assert_one_line_error(outcome)
    _back_online(team)


class _AskForPassword(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="team"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def password_protected_https(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real HTTPS server on localhost (self-signed, trusted through GIT_SSL_CAINFO) that
    answers every request with 401: what git sees from a private repository."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a certificate for the local HTTPS server")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AskForPassword)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GIT_SSL_CAINFO", str(cert))
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/team/x.git"
    finally:
        server.shutdown()
        server.server_close()


def test_a_password_protected_remote_never_prompts(team: Team, tmp_path: Path, password_protected_https: str):
    url = password_protected_https
    team.mlreq(team.a, "remote", "set", url)

    outcome = console("sync", cwd=team.a, timeout=60, stdin=b"")
    cloned = console("clone", url, str(tmp_path / "c"), cwd=tmp_path, timeout=60, stdin=b"")

    for result in (outcome, cloned):
        line = assert_one_line_error(result)
        assert "authentication" in line and "credential helper" in line
    assert not (tmp_path / "c").exists()
    _back_online(team)
