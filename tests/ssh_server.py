"""A real sshd on a free localhost port for tests that need SSH (sync remotes, `ssh -t`).

The server gets its own host key, an authorized key made for the test and a config that
allows nothing else (no passwords, no PAM). When sshd is not installed
(`apt-get install openssh-server`) or cannot start here, the fixture skips and says why.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = shutil.which("sshd") or next((p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.access(p, os.X_OK)), None)


@dataclass(frozen=True)
class SshServer:
    port: int
    user: str
    key: Path
    root: Path
    sockets: Path
    """Where shared connections' sockets go: a short folder of its own, since a socket's path
    may not pass 107 bytes, and ssh makes it 17 longer while it sets one up (under xdist,
    pytest's folders were already too deep once its run counter reached four digits)."""

    def url(self, path: Path) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{path}"

    def command(self, key: Path | None = None, *, share: bool = False) -> str:
        """A user's ssh command for this server; `share` reuses one connection (ControlMaster)
        so that the many fetches and pushes of a test do not each pay for a new session."""
        shared = f" -o ControlMaster=auto -o ControlPath={self.sockets}/%C -o ControlPersist=60" if share else ""
        return (
            "ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "
            f"-o IdentitiesOnly=yes -i {key or self.key}{shared}"
        )

    def close_shared(self) -> None:
        subprocess.run(
            [*self.command(share=True).split(), "-O", "exit", "-p", str(self.port), f"{self.user}@127.0.0.1"],
            capture_output=True, timeout=30,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mlreq-test", "-f", str(path)],
                   check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    if SSHD is None:
        pytest.skip("openssh-server is not installed (apt-get install openssh-server): no SSH remote to test against")
    if shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("the OpenSSH client (ssh, ssh-keygen) is not installed")
    root = tmp_path_factory.mktemp("sshd")
    root.chmod(0o755)
    for name in ("host_key", "client_key", "stranger_key"):
        _keygen(root / name)
    authorized = root / "authorized_keys"
    authorized.write_text((root / "client_key.pub").read_text())
    authorized.chmod(0o600)
    user, port = getpass.getuser(), _free_port()
    config = root / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root / 'host_key'}\nPidFile {root / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {authorized}\nAllowUsers {user}\nStrictModes no\nUsePAM no\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
        "PubkeyAuthentication yes\nLogLevel ERROR\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    log = root / "sshd.log"
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 10
    while True:
        if server.poll() is not None:
            pytest.skip(f"sshd could not start here: {log.read_text().strip()[:300] or 'no message'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.terminate()
                pytest.skip("sshd did not accept connections within 10 s")
            time.sleep(0.05)
    found = SshServer(port, user, root / "client_key", root, Path(tempfile.mkdtemp(prefix="mlreq-ssh-")))
    try:
        yield found
    finally:
        found.close_shared()  # the master connection a test may have left, before the server
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(found.sockets, ignore_errors=True)
