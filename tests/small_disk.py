"""A real small filesystem that tests fill up and free again: genuine ENOSPC, no mocks.

A tmpfs of a few MB is mounted in tmp_path (needs root or CAP_SYS_ADMIN); where it cannot
be mounted, the test is skipped with the reason. `fill()` writes a ballast file until the
kernel answers ENOSPC; `free()` deletes it, as a user freeing space would.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

SIZE = "16m"
"""Room for a project, its git repository and a few commits."""


class SmallDisk:
    def __init__(self, mountpoint: Path) -> None:
        self.path = mountpoint
        self.ballast = mountpoint / "ballast"

    def fill(self) -> None:
        """Take every free byte, so the next write of any size fails with ENOSPC."""
        with open(self.ballast, "ab", buffering=0) as handle:
            for chunk in (1 << 20, 1 << 12, 1):
                try:
                    while True:
                        handle.write(b"\0" * chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
        assert self.full(), "the disk still takes writes after filling it"

    def full(self) -> bool:
        probe = self.path / ".probe"
        try:
            with open(probe, "wb") as handle:
                handle.write(b"x")
                handle.flush()
                os.fsync(handle.fileno())
            return False
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            return True
        finally:
            probe.unlink(missing_ok=True)

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def leave(self, pages: int) -> None:
        """Free exactly `pages` 4 KiB pages: room for a small file, not for a git commit."""
        size = self.ballast.stat().st_size
        os.truncate(self.ballast, max(0, (size // 4096 - pages) * 4096))


def mount_small_disk(where: Path) -> Iterator[SmallDisk]:
    """Yield a mounted SmallDisk at `where`; unmounted afterwards; skip if not possible."""
    mount, umount = shutil.which("mount"), shutil.which("umount")
    if mount is None or umount is None:
        pytest.skip("no mount(8) here to make a small filesystem that fills up")
    where.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={SIZE},mode=0755", "tmpfs", str(where)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {result.stderr.strip() or result.returncode}")
    try:
        yield SmallDisk(where)
    finally:
        subprocess.run([umount, "-l", str(where)], capture_output=True)


@pytest.fixture
def disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real small tmpfs, unmounted afterwards (skips, saying why, where it cannot mount)."""
    yield from mount_small_disk(tmp_path / "disk")


@pytest.fixture
def on_small_disk(disk: SmallDisk):  # type: ignore[no-untyped-def]
    """A new project on that disk."""
    from mlreq.projects import Project, create_project

    project, result = create_project(disk.path / "proj", name="Small disk")
    assert result.ok and result.commit
    return Project.open(project.root)
