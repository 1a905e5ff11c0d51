"""Two `undersigned serve` processes on one PostgreSQL database, driven at once.

Runs when UNDERSIGNED_TEST_DATABASE_URL names a PostgreSQL server (CI sets it). The test
makes a database of its own there and drops it afterwards.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
import uuid
from email import policy
from email.parser import BytesParser
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from tests import servers

pytestmark = pytest.mark.slow

BASE = os.environ.get("UNDERSIGNED_TEST_DATABASE_URL", "")


@pytest.fixture
def database_url():
    if not BASE.startswith(("postgres://", "postgresql://")):
        pytest.skip("UNDERSIGNED_TEST_DATABASE_URL is not a PostgreSQL URL")
    import psycopg

    name = f"undersigned_two_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(BASE, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(BASE)._replace(path=f"/{name}"))
    yield url
    with psycopg.connect(BASE, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _post(port: int, path: str, fields: dict, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookie}",
    }
    connection.request("POST", path, urlencode(fields), headers)
    return connection.getresponse().status


def test_two_servers_on_one_database_make_no_duplicates_and_exact_counts(tmp_path, database_url):
    import psycopg

    ports = [servers.free_port(), servers.free_port()]
    secret = uuid.uuid4().hex * 2  # servers behind one load balancer share the secret key
    envs = []
    for index, port in enumerate(ports):
        env = servers.environment(tmp_path / f"server{index}", port)
        env.update(DATABASE_URL=database_url, UNDERSIGNED_SECRET_KEY=secret)
        envs.append(env)
    subprocess.run(
        [sys.executable, "-m", "undersigned.cli", "demo", "--no-serve"],
        env=envs[0],
        check=True,
        capture_output=True,
    )
    logs = [open(tmp_path / f"server{i}.log", "ab") for i in range(2)]  # noqa: SIM115
    processes = [
        servers.start(env, port, log) for env, port, log in zip(envs, ports, logs, strict=True)
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            servers.wait_healthy(port, process)
        cookie, token = servers.csrf(ports[0])
        emails = [f"person{n}@example.org" for n in range(60)]

        def drive(port: int, order: list[str]) -> None:
            for email in order:
                fields = {
                    "csrfmiddlewaretoken": token,
                    "kind": "person",
                    "name": email.split("@")[0],
                    "email": email,
                    "country": "AM" if len(email) % 2 else "GR",
                    "show_name": "on",
                    "consent": "on",
                }
                assert _post(port, f"/en/s/{servers.SLUG}/sign", fields, cookie) == 302

        # Every address is submitted to both servers, by four signers at once.
        threads = [
            threading.Thread(target=drive, args=(ports[0], emails)),
            threading.Thread(target=drive, args=(ports[1], emails)),
            threading.Thread(target=drive, args=(ports[0], emails[::-1])),
            threading.Thread(target=drive, args=(ports[1], emails[::-1])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        # Confirm half of them, through either server, with the links their mails carry.
        servers.wait_for_mail(
            [tmp_path / "server0" / "outbox", tmp_path / "server1" / "outbox"], set(emails)
        )
        links: dict[str, list[str]] = {}
        for outbox in [tmp_path / "server0" / "outbox", tmp_path / "server1" / "outbox"]:
            for path in outbox.glob("*.eml"):
                with open(path, "rb") as handle:
                    message = BytesParser(policy=policy.default).parse(handle)
                if str(message["To"]) not in emails:
                    continue  # other mail of the demo data (conference invitations)
                match = re.search(r"/en/confirm/\S+", message.get_body().get_content())
                links.setdefault(str(message["To"]), []).append(match.group(0))
        for number, email in enumerate(emails[:30]):
            statuses = [
                _post(ports[number % 2], link, {"csrfmiddlewaretoken": token}, cookie)
                for link in links[email]
            ]
            assert 200 in statuses
    finally:
        for process in processes:
            servers.kill(process)
        for log in logs:
            log.close()

    with psycopg.connect(database_url) as db:
        duplicates = db.execute(
            "SELECT email_normalized FROM signatures_signature"
            " GROUP BY email_normalized HAVING COUNT(*) > 1"
        ).fetchall()
        assert duplicates == []
        assert db.execute("SELECT COUNT(*) FROM signatures_signature").fetchone()[0] == 60

    subprocess.run([sys.executable, "-m", "undersigned.cli", "recount"], env=envs[0], check=True)
    with psycopg.connect(database_url) as db:
        exact = dict(
            db.execute(
                "SELECT country, COUNT(*) FROM signatures_signature"
                " WHERE status = 'verified' GROUP BY country"
            ).fetchall()
        )
        counted = dict(
            db.execute(
                "SELECT country, SUM(verified) FROM signatures_signaturecounter GROUP BY country"
            ).fetchall()
        )
    assert sum(exact.values()) == 30
    assert {k: int(v) for k, v in counted.items() if v} == exact
