"""python -m bench sign|page|list|export|vote|all [--signatures N] [--seconds S] [--concurrency C]

Each benchmark starts its own server on a temporary data directory, seeds it with a bulk
load, drives it with wrk from a separate process, then prints a table and one JSON line
per benchmark. Targets are those of issue 3; a row says whether each is met.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

from bench.load import require_wrk, wrk
from bench.server import SLUG, BenchServer

ROWS: list[tuple[str, str, str, str]] = []
RECORDS: list[dict] = []


def emit(record: dict, checks: dict[str, bool]) -> None:
    record["targets_met"] = all(checks.values())
    record["checks"] = checks
    RECORDS.append(record)


def row(benchmark: str, measure: str, value: str, target: str) -> None:
    ROWS.append((benchmark, measure, value, target))


def _paced_signs(server: BenchServer, env: dict, args: argparse.Namespace, *, target: int):
    """Offer about `target` signs a second. wrk paces each connection with a pause before
    every request, so a connection's cycle is pause + latency: two short probes measure
    the latency at about that rate, and the pause is shortened by it."""
    cycle = args.concurrency / target * 1000  # ms per request on each connection
    pause = cycle
    for _probe in range(2):
        probe = wrk(
            server.url,
            seconds=5,
            connections=args.concurrency,
            script="sign.lua",
            env={**env, "DELAY_MS": str(round(pause))},
        )
        latency = args.concurrency / probe.rate * 1000 - pause if probe.rate else 0.0
        pause = max(1.0, cycle - max(0.0, latency))
    return wrk(
        server.url,
        seconds=min(args.seconds, 30),
        connections=args.concurrency,
        script="sign.lua",
        env={**env, "DELAY_MS": str(round(pause))},
    )


def bench_sign(args: argparse.Namespace) -> None:
    server = BenchServer(signatures=0)
    try:
        server.prepare()
        server.start()
        cookie, token = server.csrf()
        healthz = wrk(
            f"{server.url}/healthz", seconds=min(args.seconds, 15), connections=args.concurrency
        )
        env = {"CSRF_TOKEN": token, "CSRF_COOKIE": cookie, "SIGN_PATH": f"/en/s/{SLUG}/sign"}
        signs = wrk(
            server.url,
            seconds=args.seconds,
            connections=args.concurrency,
            script="sign.lua",
            env={**env, "DELAY_MS": "0"},
        )
        paced = _paced_signs(server, env, args, target=500)
    finally:
        server.cleanup()
    ratio = signs.rate / healthz.rate if healthz.rate else 0.0
    row("sign", "signs/s (errors)", f"{signs.rate:,.0f} ({signs.errors})", ">= 1,000 (0)")
    row("sign", "healthz/s", f"{healthz.rate:,.0f}", "")
    row("sign", "ratio to healthz", f"{ratio:.2f}", ">= 0.30")
    row("sign", "p50 / p99 at full load", f"{signs.p50_ms:.1f} / {signs.p99_ms:.1f} ms", "")
    row(
        "sign",
        f"p99 at {paced.rate:,.0f}/s offered",
        f"{paced.p99_ms:.1f} ms",
        "<= 150 ms at 500/s",
    )
    emit(
        {
            "benchmark": "sign",
            "rate": round(signs.rate, 1),
            "p50_ms": signs.p50_ms,
            "p99_ms": signs.p99_ms,
            "errors": signs.errors,
            "healthz_rate": round(healthz.rate, 1),
            "ratio_to_healthz": round(ratio, 3),
            "paced_rate": round(paced.rate, 1),
            "paced_p99_ms": paced.p99_ms,
        },
        {
            "rate": signs.rate >= 1000,
            "errors": signs.errors == 0 and paced.errors == 0,
            "ratio": ratio >= 0.3,
            "paced_p99": paced.p99_ms <= 150,
            "paced_rate": paced.rate >= 450,
        },
    )


def _page_times(server: BenchServer, seconds: float) -> tuple[float, float]:
    page = wrk(f"{server.url}/en/s/{SLUG}/", seconds=seconds, connections=1, threads=1)
    api = wrk(f"{server.url}/api/v1/statements/{SLUG}", seconds=seconds, connections=1, threads=1)
    return page.p50_ms, api.p50_ms


def bench_page(args: argparse.Namespace) -> None:
    """Both servers run at once and are measured in turns, five short windows each: on a
    shared virtual machine the speed of the cores drifts between minutes, and the growth
    compares the two servers, not two moments. Each figure is the median of its windows."""
    counts = sorted({1000, args.signatures})
    servers = {count: BenchServer(signatures=count) for count in counts}
    windows: dict[int, list[tuple[float, float]]] = {count: [] for count in counts}
    try:
        for server in servers.values():
            server.prepare()
            server.start()
        for _round in range(5):
            for count, server in servers.items():
                windows[count].append(_page_times(server, max(1.0, min(args.seconds, 10) / 5)))
    finally:
        for server in servers.values():
            server.cleanup()
    times = {
        count: tuple(statistics.median(window[index] for window in found) for index in (0, 1))
        for count, found in windows.items()
    }
    small, large = times[min(times)], times[max(times)]
    for label, index in (("statement page", 0), ("JSON API", 1)):
        row("page", f"{label} p50 at {max(times):,}", f"{large[index]:.2f} ms", "<= 10 ms")
        row("page", f"{label} p50 at 1,000", f"{small[index]:.2f} ms", "")
    growth = max(large[0] / small[0], large[1] / small[1])
    row("page", "growth 1k -> large", f"{growth:.2f}x", "<= 1.2x")
    emit(
        {
            "benchmark": "page",
            "signatures": max(times),
            "page_p50_ms": large[0],
            "api_p50_ms": large[1],
            "page_p50_ms_1k": small[0],
            "api_p50_ms_1k": small[1],
            "growth": round(growth, 3),
        },
        {"page_p50": large[0] <= 10, "api_p50": large[1] <= 10, "growth": growth <= 1.2},
    )


_CURSORS = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
django.setup()
from undersigned.signatures.models import Signature
from undersigned.signatures.selectors import Cursor
listed = Signature.objects.filter(status="verified", show_name=True)
listed = listed.order_by("kind", "country", "pk")
total = listed.count()
for fraction in (0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99):
    # Setting up the benchmark may use OFFSET; the pages it then asks for do not.
    print(Cursor.of(listed[int(total * fraction)]).encode())
"""


def bench_list(args: argparse.Namespace) -> None:
    server = BenchServer(signatures=args.signatures)
    try:
        server.prepare()
        cursors = server.run("-c", _CURSORS).stdout.split()
        paths = server.data_dir / "paths.txt"
        paths.write_text("".join(f"/en/s/{SLUG}/?after={c}\n" for c in cursors))
        server.start()
        result = wrk(
            server.url,
            seconds=min(args.seconds, 10),
            connections=1,
            threads=1,
            script="paths.lua",
            env={"PATHS_FILE": str(paths)},
        )
        rss = server.worker_rss_mb()
    finally:
        server.cleanup()
    row(
        "list",
        f"any page of {args.signatures:,}: p50 / p99",
        f"{result.p50_ms:.2f} / {result.p99_ms:.2f} ms",
        "<= 20 ms",
    )
    row(
        "memory",
        f"largest server process RSS at {args.signatures:,}",
        f"{max(rss):.0f} MB",
        "<= 200 MB",
    )
    emit(
        {
            "benchmark": "list",
            "signatures": args.signatures,
            "p50_ms": result.p50_ms,
            "p99_ms": result.p99_ms,
            "errors": result.errors,
        },
        {"p99": result.p99_ms <= 20, "errors": result.errors == 0},
    )
    emit(
        {
            "benchmark": "memory",
            "signatures": args.signatures,
            "rss_mb": [round(size, 1) for size in rss],
        },
        {"rss": max(rss) <= 200},
    )


_EXPORT = """
import resource, sys, time
from undersigned.cli import main
started = time.perf_counter()
main(["signatures", "export", sys.argv[1], "-o", "/dev/null"])
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_export(args: argparse.Namespace) -> None:
    server = BenchServer(signatures=args.signatures)
    try:
        server.prepare()
        seconds, rss_kb = server.run("-c", _EXPORT, SLUG).stdout.split()
    finally:
        server.cleanup()
    rate = args.signatures / float(seconds)
    row("export", f"CSV of {args.signatures:,}", f"{rate:,.0f} rows/s", ">= 100,000 rows/s")
    row("export", "peak memory of the export", f"{int(rss_kb) / 1024:.0f} MB", "constant")
    emit(
        {
            "benchmark": "export",
            "signatures": args.signatures,
            "rate": round(rate),
            "seconds": round(float(seconds), 2),
            "max_rss_mb": round(int(rss_kb) / 1024, 1),
        },
        {"rate": rate >= 100_000},
    )


def _vote_requests(server: BenchServer, path: str, sessions: list[str], workers: int):
    """Every delegate votes once, `workers` at a time; returns (seconds, failures)."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    cookie, token = server.csrf()
    body = f"csrfmiddlewaretoken={token}&choice=yes"
    local = threading.local()

    def vote(session: str) -> bool:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(
                "127.0.0.1", server.port, timeout=30
            )
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}; sessionid={session}",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status == 302

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(vote, sessions))
    return time.monotonic() - started, results.count(False)


def bench_vote(args: argparse.Namespace) -> None:
    server = BenchServer(signatures=0)
    try:
        server.prepare()
        out = server.data_dir / "sessions.txt"
        server.run("-m", "bench.vote_seed", str(args.delegates), str(out))
        path, *sessions = out.read_text().split()
        server.start()
        seconds, failures = _vote_requests(
            server, path, sessions, workers=min(64, args.concurrency)
        )
        votes, voters, weight = map(
            int, server.run("-m", "bench.vote_seed", "count").stdout.split()
        )
    finally:
        server.cleanup()
    counted_once = votes == voters == weight == args.delegates
    row("vote", f"{args.delegates:,} delegates vote", f"{seconds:.2f} s", "<= 10 s")
    row("vote", "votes counted (failed requests)", f"{votes:,} ({failures})", "each once")
    emit(
        {
            "benchmark": "vote",
            "delegates": args.delegates,
            "votes_counted": votes,
            "seconds": round(seconds, 2),
            "failed_requests": failures,
        },
        {"seconds": seconds <= 10, "counted": counted_once and failures == 0},
    )


BENCHMARKS = {
    "sign": bench_sign,
    "page": bench_page,
    "list": bench_list,
    "export": bench_export,
    "vote": bench_vote,
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[2])
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--signatures", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--delegates", type=int, default=2000)
    args = parser.parse_args()
    require_wrk()
    os.environ.setdefault("PYTHONPATH", os.getcwd())
    started = time.monotonic()
    for name in BENCHMARKS if args.benchmark == "all" else [args.benchmark]:
        try:
            BENCHMARKS[name](args)
        except subprocess.CalledProcessError as exc:
            print(f"{name} failed: {exc}\n{exc.stdout}\n{exc.stderr}", file=sys.stderr)
            return 1
    width = [
        max(len(r[i]) for r in ROWS + [("benchmark", "measure", "value", "target")])
        for i in range(4)
    ]
    for line in [("benchmark", "measure", "value", "target"), *ROWS]:
        print("  ".join(cell.ljust(width[i]) for i, cell in enumerate(line)).rstrip())
    print(f"({time.monotonic() - started:.0f} s on {os.cpu_count()} cores)\n")
    for record in RECORDS:
        print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
