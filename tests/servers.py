"""Real `undersigned serve` processes for the tests that kill, restart or multiply them."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlencode

SLUG = "keep-our-rivers-free"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "EMAIL_URL"))}
    env.update(
        UNDERSIGNED_DATA_DIR=str(data_dir),
        UNDERSIGNED_BASE_URL=f"http://127.0.0.1:{port}",
        UNDERSIGNED_RATE_LIMIT_SIGNS="0",
        DJANGO_SETTINGS_MODULE="undersigned.settings",
    )
    return env


def start(env: dict[str, str], port: int, log) -> subprocess.Popen:
    command = [sys.executable, "-m", "undersigned.cli", "serve", "--port", str(port)]
    return subprocess.Popen(
        command + ["--workers", "2", "--threads", "8"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: one kill takes all of it
    )


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
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


def kill(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=30)


def csrf(port: int) -> tuple[str, str]:
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


def _recipient(path: Path) -> str:
    with open(path, "rb") as handle:
        return str(BytesParser(policy=policy.default).parse(handle, headersonly=True)["To"])


def mailed_addresses(outbox: Path, seen: dict[Path, str] | None = None) -> list[str]:
    """Recipients of the mail in an outbox; `seen` caches files already read."""
    seen = {} if seen is None else seen
    for path in outbox.glob("*.eml"):
        if path not in seen:
            seen[path] = _recipient(path)
    return list(seen.values())


def wait_for_mail(
    outboxes: list[Path], addresses: set[str], timeout: float | None = None
) -> set[str]:
    """Wait until every address has mail in one of the outboxes; return those still missing.
    The worker sends a few hundred mails a second at least: the wait allows for that."""
    timeout = timeout if timeout is not None else 120 + len(addresses) / 200
    deadline = time.monotonic() + timeout
    seen: dict[Path, str] = {}
    while True:
        mailed = {a for outbox in outboxes for a in mailed_addresses(outbox, seen)}
        missing = addresses - mailed
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.5)
