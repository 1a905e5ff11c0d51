"""A server for one benchmark: a temporary data directory, seeded, then `undersigned serve`."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLUG = "keep-our-rivers-free"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchServer:
    def __init__(self, *, signatures: int, workers: int = 2, threads: int = 32) -> None:
        self.signatures = signatures
        self.workers = workers
        self.threads = threads
        self.port = _free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="undersigned-bench-"))
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "EMAIL_URL"},
            "UNDERSIGNED_DATA_DIR": str(self.data_dir),
            "UNDERSIGNED_BASE_URL": f"http://127.0.0.1:{self.port}",
            "UNDERSIGNED_TRUSTED_PROXIES": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        }
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], env=self.env, check=True, capture_output=True, text=True
        )

    def prepare(self) -> None:
        self.run("-m", "undersigned.cli", "demo", "--no-serve", "--port", str(self.port))
        if self.signatures:
            self.run("-m", "bench.seed", str(self.signatures))

    def start(self) -> None:
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "undersigned.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # Every server process must be listening before the load connects: wrk opens
            # its connections once, and the kernel spreads them over the listeners there
            # are at that moment (one early process would take them all).
            if self._listeners() >= self.workers:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not start; see {self.data_dir / 'server.log'}")

    def _listeners(self) -> int:
        """Sockets listening on the port (state 0A in /proc/net/tcp)."""
        local = f":{self.port:04X} "
        with open("/proc/net/tcp") as table:
            return sum(1 for line in table if local in line and line.split()[3] == "0A")

    def csrf(self) -> tuple[str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", f"/en/s/{SLUG}/")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return cookie, token

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each web server process (granian workers and main process)."""
        sizes = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
                cmdline = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                pgid = os.getpgid(int(status.parent.name))
            except (OSError, ProcessLookupError):
                continue
            if self.process and pgid == self.process.pid and b"granian" in cmdline:
                match = re.search(r"VmRSS:\s+(\d+) kB", text)
                if match:
                    sizes.append(int(match.group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
