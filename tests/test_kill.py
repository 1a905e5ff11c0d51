"""The kill test: SIGKILL the whole server while people sign, again and again.

Every signature the server acknowledged (answered 302 to the sign form) must be in the
database exactly once after the restarts, and must get its confirmation mail.

CI runs UNDERSIGNED_KILL_CYCLES=10 (the default); the full run is
`UNDERSIGNED_KILL_CYCLES=200 .venv/bin/pytest tests/test_kill.py`.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests import servers
from tests.servers import Signers

pytestmark = pytest.mark.slow


def test_acknowledged_signatures_and_their_mail_survive_sigkill(tmp_path):
    cycles = int(os.environ.get("UNDERSIGNED_KILL_CYCLES", "10"))
    port = servers.free_port()
    env = servers.environment(tmp_path, port)
    subprocess.run(
        [sys.executable, "-m", "undersigned.cli", "demo", "--no-serve", "--port", str(port)],
        env=env,
        check=True,
        capture_output=True,
    )
    log = open(tmp_path / "server.log", "ab")  # noqa: SIM115 - kept open across restarts
    server = servers.start(env, port, log)
    servers.wait_healthy(port, server)
    signers = Signers(port, *servers.csrf(port))
    signers.start()
    try:
        for _ in range(cycles):
            time.sleep(random.uniform(0.3, 1.2))
            servers.kill(server)
            server = servers.start(env, port, log)
            servers.wait_healthy(port, server)
            time.sleep(random.uniform(0.1, 0.5))
    finally:
        signers.stop()
    acknowledged = list(signers.acknowledged)
    assert acknowledged, "no signature was acknowledged: the test drove nothing"
    print(f"{cycles} kills, {signers.attempts} answered, {len(acknowledged)} acknowledged")

    # Let the restarted worker send what the killed ones left behind.
    unmailed = servers.wait_for_mail([tmp_path / "outbox"], set(acknowledged))
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
    assert sorted(unmailed) == []
