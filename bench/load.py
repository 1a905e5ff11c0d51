"""Drive load with wrk, a separate process written in C, so the generator takes as little
of the two cores as possible; parse what it prints."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def ok(self) -> bool:
        return self.errors == 0


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unreadable duration from wrk: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def require_wrk() -> str:
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("bench needs wrk: apt-get install -y wrk")
    return path


def wrk(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    script: str | None = None,
    env: dict[str, str] | None = None,
) -> LoadResult:
    command = [
        require_wrk(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script:
        command += ["-s", str(LUA / script)]
    output = subprocess.run(
        [*command, url],
        env={**os.environ, **(env or {})},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    requests, duration = int(total.group(1)), _ms(total.group(2) + total.group(3)) / 1000
    latencies = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_ok.group(1)) if non_ok else 0
    return LoadResult(
        requests=requests,
        seconds=duration,
        rate=requests / duration if duration else 0.0,
        p50_ms=_ms(latencies["50"]),
        p99_ms=_ms(latencies["99"]),
        errors=errors,
    )
