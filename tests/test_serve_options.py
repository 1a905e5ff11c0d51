"""Options of `undersigned serve` that change which processes it runs."""

import subprocess
import sys

import pytest

from tests import servers


def _children(server: subprocess.Popen) -> list[str]:
    listing = subprocess.run(
        ["ps", "-o", "args=", "-g", str(server.pid)], capture_output=True, text=True
    ).stdout
    return listing.splitlines()


@pytest.mark.slow
def test_serve_without_a_mail_worker_runs_the_web_server_and_the_writer_only(tmp_path):
    port = servers.free_port()
    env = servers.environment(tmp_path, port)
    subprocess.run(
        [sys.executable, "-m", "undersigned.cli", "demo", "--no-serve"],
        env=env,
        check=True,
        capture_output=True,
    )
    with open(tmp_path / "server.log", "ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "undersigned.cli", "serve", "--port", str(port)]
            + ["--workers", "1", "--threads", "4", "--no-mail-worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        servers.wait_healthy(port, server)
        running = _children(server)
        assert any(" writer " in line for line in running)
        assert not any("undersigned.cli worker" in line for line in running)
    finally:
        servers.kill(server)
