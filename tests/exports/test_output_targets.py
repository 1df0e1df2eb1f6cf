"""`mlreq export --output` into what is not a plain file: the target stays what it was.

A regular file is replaced atomically; a link keeps pointing where it did and its target
gets the export; a device, a FIFO or /dev/stdout is written into, as a shell's `>` would.
"""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from helpers import MLREQ_SCRIPT

TIMEOUT = 30
STDOUT = "/dev/fd/1"
"""/dev/stdout's twin. The tests use this one: run as root against a broken build, a test
naming /dev/stdout would replace the machine's own /dev/stdout link with a file."""


def _export(project: Path, *argv: str, **run) -> subprocess.CompletedProcess[bytes]:
    run.setdefault("capture_output", True)
    return subprocess.run([str(MLREQ_SCRIPT), "export", str(project), *argv], timeout=TIMEOUT, **run)


def test_a_device_stays_a_device(project_dir, tmp_path):
    null = tmp_path / "null"
    try:  # a private /dev/null: a failing test must not break the machine's own
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root (which is when the bug bit)")

    result = _export(project_dir, "--output", str(null))

    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert b"Traceback" not in result.stderr


def test_dev_stdout_into_a_pipe_gets_the_export_and_only_it(project_dir):
    result = _export(project_dir, "--format", "json", "--output", STDOUT)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"{") and result.stdout.rstrip().endswith(b"}")
    assert f"wrote {STDOUT}".encode() in result.stderr


def test_dev_stdout_redirected_to_a_file_appends_like_the_shell(project_dir, tmp_path):
    report = tmp_path / "report.md"
    report.write_bytes(b"kept line\n")
    with open(report, "ab") as handle:  # `mlreq export -o /dev/stdout >> report.md`
        result = _export(project_dir, "--output", STDOUT, stdout=handle, stderr=subprocess.PIPE, capture_output=False)

    assert result.returncode == 0, result.stderr
    text = report.read_bytes()
    assert text.startswith(b"kept line\n# ") and b"wrote" not in text


def test_a_fifo_reader_gets_the_export(project_dir, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()

    result = _export(project_dir, "--format", "csv", "--output", str(fifo))

    reader.join(TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and received[0].count(b"\n") > 30


def test_a_linked_report_keeps_its_link_and_its_target_gets_the_export(project_dir, tmp_path):
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "requirements.md"
    target.write_bytes(b"old report\n")
    os.chmod(target, 0o640)
    link = tmp_path / "requirements.md"
    link.symlink_to(target)

    result = _export(project_dir, "--output", str(link))

    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes().startswith(b"# ")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert b"wrote" in result.stdout
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["requirements.md"]  # no temporary left


def test_a_regular_file_is_still_replaced_atomically_keeping_its_mode(project_dir, tmp_path):
    report = tmp_path / "report.md"
    report.write_bytes(b"old\n")
    os.chmod(report, 0o600)
    inode = report.stat().st_ino

    result = _export(project_dir, "--output", str(report))

    assert result.returncode == 0, result.stderr
    assert report.read_bytes().startswith(b"# ") and stat.S_IMODE(report.stat().st_mode) == 0o600
    assert report.stat().st_ino != inode  # a new file renamed over the old: never half-written
