"""The kill test: SIGKILL the whole server while people sign, again and again.

Every signature the server acknowledged (answered 302 to the sign form) must be in the
database exactly once after the restarts, and must get its confirmation mail.

CI runs UNDERSIGNED_KILL_CYCLES=10 (the default); the full run is
`UNDERSIGNED_KILL_CYCLES=200 .venv/bin/pytest tests/test_kill.py`.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.slow

SLUG = "keep-our-rivers-free"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "EMAIL_URL"))}
    env.update(
        UNDERSIGNED_DATA_DIR=str(data_dir),
        UNDERSIGNED_BASE_URL=f"http://127.0.0.1:{port}",
        UNDERSIGNED_RATE_LIMIT_SIGNS="0",
        DJANGO_SETTINGS_MODULE="undersigned.settings",
    )
    return env


def _start(env: dict[str, str], port: int, log) -> subprocess.Popen:
    command = [sys.executable, "-m", "undersigned.cli", "serve", "--port", str(port)]
    return subprocess.Popen(
        command + ["--workers", "2", "--threads", "8"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: one kill takes all of it
    )


def _wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited while starting"
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not become healthy")


def _kill(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=30)


def _csrf(port: int) -> tuple[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", f"/en/s/{SLUG}/")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return cookie, token


class Signers:
    """Threads that sign with fresh addresses and remember what was acknowledged."""

    def __init__(self, port: int, cookie: str, token: str, threads: int = 6) -> None:
        self.port, self.cookie, self.token = port, cookie, token
        self.acknowledged: list[str] = []
        self.attempts = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self, number: int) -> None:
        sequence = 0
        while not self._stop.is_set():
            sequence += 1
            email = f"signer-{number}-{sequence}-{random.randrange(10**9)}@example.org"
            body = urlencode(
                {
                    "csrfmiddlewaretoken": self.token,
                    "kind": "person",
                    "name": f"Signer {number} {sequence}",
                    "email": email,
                    "country": "FR",
                    "show_name": "on",
                    "consent": "on",
                }
            )
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={self.cookie}",
            }
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("POST", f"/en/s/{SLUG}/sign", body, headers)
                status = connection.getresponse().status
            except OSError:
                time.sleep(0.05)  # the server is down: not acknowledged
                continue
            with self._lock:
                self.attempts += 1
                if status == 302:
                    self.acknowledged.append(email)


def _mailed_addresses(outbox: Path) -> list[str]:
    addresses = []
    for path in outbox.glob("*.eml"):
        with open(path, "rb") as handle:
            addresses.append(str(BytesParser(policy=policy.default).parse(handle)["To"]))
    return addresses


def test_acknowledged_signatures_and_their_mail_survive_sigkill(tmp_path):
    cycles = int(os.environ.get("UNDERSIGNED_KILL_CYCLES", "10"))
    port = _free_port()
    env = _environment(tmp_path, port)
    subprocess.run(
        [sys.executable, "-m", "undersigned.cli", "demo", "--no-serve", "--port", str(port)],
        env=env,
        check=True,
        capture_output=True,
    )
    log = open(tmp_path / "server.log", "ab")  # noqa: SIM115 - kept open across restarts
    server = _start(env, port, log)
    _wait_healthy(port, server)
    signers = Signers(port, *_csrf(port))
    signers.start()
    try:
        for _ in range(cycles):
            time.sleep(random.uniform(0.3, 1.2))
            _kill(server)
            server = _start(env, port, log)
            _wait_healthy(port, server)
            time.sleep(random.uniform(0.1, 0.5))
    finally:
        signers.stop()
    acknowledged = list(signers.acknowledged)
    assert acknowledged, "no signature was acknowledged: the test drove nothing"
    print(f"{cycles} kills, {signers.attempts} answered, {len(acknowledged)} acknowledged")

    # Let the restarted worker send what the killed ones left behind.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        missing = set(acknowledged) - set(_mailed_addresses(tmp_path / "outbox"))
        if not missing:
            break
        time.sleep(0.5)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    log.close()

    database = sqlite3.connect(tmp_path / "undersigned.sqlite3")
    rows = database.execute(
        "SELECT email_normalized, COUNT(*) FROM signatures_signature GROUP BY email_normalized"
    ).fetchall()
    stored = dict(rows)
    assert [email for email in acknowledged if email not in stored] == []
    assert [email for email, count in stored.items() if count != 1] == []
    assert sorted(set(acknowledged) - set(_mailed_addresses(tmp_path / "outbox"))) == []
