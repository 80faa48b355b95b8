"""Debian's OpenSSH server on loopback as the SFTP drop's real counterpart: one account per
agency (``joinedup-AGENCY``), each with its own Ed25519 key, chrooted into its own folder by
the configuration ``joinedup receive sftp-config`` prints; the agencies' side is OpenSSH's own
``sftp`` client in batch mode.

Needs root (sshd's chroot, and the agencies' system accounts, which are made once and left:
system accounts with no password and no home) and Debian's ``openssh-server`` and
``openssh-client`` (``.ci/run`` installs them). The drop sits under ``/srv``: OpenSSH refuses a
chroot below a folder others may write to, such as ``/tmp``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from joinedup.receive.drop import RECEIPTS, UPLOAD, sshd_config
from tests.support.webapp import free_port

SSHD = Path("/usr/sbin/sshd")
SFTP = shutil.which("sftp") or "/usr/bin/sftp"


@dataclass
class Drop:
    root: Path
    port: int
    keys: dict[str, Path]  # agency -> private key

    def sftp(self, agency: str, commands: list[str], *, check: bool = True) -> str:
        """Run OpenSSH's sftp client as the agency; its output (stderr included)."""
        batch = "\n".join(commands) + "\n"
        run = subprocess.run(
            [
                SFTP,
                "-b",
                "-",
                "-i",
                str(self.keys[agency]),
                "-P",
                str(self.port),
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "BatchMode=yes",
                "-o",
                "LogLevel=ERROR",
                f"joinedup-{agency}@127.0.0.1",
            ],
            input=batch,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check:
            assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout + run.stderr


def _account(agency: str) -> int:
    name = f"joinedup-{agency}"
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", "--user-group", name],
            check=True,
        )  # fmt: skip
        subprocess.run(["usermod", "-p", "*", name], check=True)  # no password, not locked
        return pwd.getpwnam(name).pw_uid


@contextmanager
def ssh_drop(agencies: list[str]) -> Iterator[Drop]:
    if os.geteuid() != 0:
        pytest.skip("the SFTP drop's tests run sshd with chroots, which needs root (CI is root)")
    assert SSHD.exists(), "Debian's openssh-server is not installed (.ci/run installs it)"
    base = Path("/srv/joinedup-tests") / uuid.uuid4().hex[:12]
    root, keys_dir = base / "drop", base / "keys"
    for folder in (root, keys_dir):
        folder.mkdir(parents=True, mode=0o755)
    os.chmod(base.parent, 0o755)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    host_key = base / "host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    keys = {}
    for agency in agencies:
        uid = _account(agency)
        (root / agency / UPLOAD).mkdir(parents=True)
        (root / agency / RECEIPTS).mkdir()
        os.chown(root / agency / UPLOAD, uid, uid)
        os.chmod(root / agency / UPLOAD, 0o700)
        key = base / f"{agency}_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        shutil.copy(f"{key}.pub", keys_dir / f"joinedup-{agency}")
        os.chmod(keys_dir / f"joinedup-{agency}", 0o644)
        keys[agency] = key
    port = free_port()
    config = base / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"PidFile {base / 'sshd.pid'}\nAuthorizedKeysFile {keys_dir}/%u\n"
        "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin no\nStrictModes yes\n" + sshd_config(root, agencies)
    )
    subprocess.run([str(SSHD), "-t", "-f", str(config)], check=True)
    server = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        drop = Drop(root, port, keys)
        deadline = time.monotonic() + 30
        while "upload" not in drop.sftp(agencies[0], ["pwd"], check=False):
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "sshd did not let the agency in"
            time.sleep(0.2)
        yield drop
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)
