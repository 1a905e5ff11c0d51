"""The `undersigned` console command."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


# --- serve and demo ---------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    """Run the web server (granian), the signature writer and the mail worker side by side
    until one of them stops."""
    _migrate()
    env = dict(os.environ)
    # Granian: the HTTP layer is Rust, so a request costs Python only the application's
    # own work (about five times gunicorn's healthz rate on two cores). One single-worker
    # granian per process, each binding the port with SO_REUSEPORT, so the kernel spreads
    # connections over them: granian's own workers share one listening socket, and then
    # one of them takes nearly every connection (emmett-framework/granian#849).
    server = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--workers",
        "1",
        # Threads mostly wait for their signature's batch to commit, so many are cheap.
        "--blocking-threads",
        str(args.threads),
        "--no-ws",
        "--log-level",
        "error",
        # No access log (granian's default): it would record signers' addresses.
        "--workers-kill-timeout",
        "10",
        "--respawn-failed-workers",
        "undersigned.wsgi:application",
    ]
    import socket

    from django.conf import settings

    from undersigned.signatures.writer_process import socket_path

    # One signature writer for the machine: every server process hands it its submissions,
    # and answers each signer once the batch holding theirs has committed.
    writer_socket = socket_path(settings.DATA_DIR, args.port)
    writer = [sys.executable, "-m", "undersigned.cli", "writer", "--socket", str(writer_socket)]
    processes = [subprocess.Popen(writer, env=env)]
    _wait_for_socket(writer_socket, processes[0])
    env["UNDERSIGNED_WRITER_SOCKET"] = str(writer_socket)
    # A stable worker id: what a killed predecessor of this server had claimed is its
    # successor's to send again (see cmd_worker).
    worker_id = f"{socket.gethostname()}:{args.port}"[:64]
    worker = [sys.executable, "-m", "undersigned.cli", "worker", "--worker-id", worker_id]
    processes += [subprocess.Popen(server, env=env) for _ in range(args.workers)]
    if not getattr(args, "no_mail_worker", False):  # `demo` always runs one
        # Mail waits a little when the machine is busy; signatures do not wait for mail.
        processes.append(subprocess.Popen(worker, env=env, preexec_fn=lambda: os.nice(10)))
    print(f"Serving on http://{args.host}:{args.port}/ (press Ctrl+C to stop)", flush=True)

    def stop(signum: int, _frame: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    finally:
        stop(signal.SIGTERM, None)
        deadline = time.monotonic() + 15
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
    return max(abs(process.returncode or 0) for process in processes)


def _wait_for_socket(path, process: subprocess.Popen, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(path))
                return
            except OSError:
                time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the signature writer did not start (socket {path})")


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def cmd_writer(args: argparse.Namespace) -> int:
    """Write the signatures and votes that the server processes submit, in batches, until
    stopped."""
    _setup_django()
    from pathlib import Path

    from django.conf import settings

    from undersigned.signatures.writer_process import serve_forever

    serve_forever(
        path=Path(args.socket),
        stop=_stop_on_signals(),
        max_batch=settings.SIGNATURE_BATCH_MAX,
        linger=settings.SIGNATURE_WRITER_LINGER_MS / 1000,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Send queued mail (and run any other queued task) in batches until stopped."""
    _setup_django()
    import socket

    from undersigned.core.queue import requeue_abandoned
    from undersigned.core.worker import IdleSender, run_forever

    stop = _stop_on_signals()
    if args.worker_id:
        # A stable id is this worker's alone: what a crashed run of it had claimed and not
        # finished is queued again (sent at least once, never lost).
        requeued = requeue_abandoned(worker_id=args.worker_id[:64])
        if requeued:
            print(f"{requeued} task(s) interrupted by a crash are queued again", flush=True)
    worker_id = args.worker_id or f"{socket.gethostname()}:{os.getpid()}"
    run_forever(
        worker_id=worker_id[:64],
        stop=stop,
        batch=args.batch,
        interval=args.interval,
        sender=IdleSender(),
    )
    return 0


def _default_base_url(args: argparse.Namespace) -> None:
    # Links in mail point at this server unless the operator says otherwise.
    host = "127.0.0.1" if args.host in {"0.0.0.0", "::"} else args.host
    os.environ.setdefault("UNDERSIGNED_BASE_URL", f"http://{host}:{args.port}")


def cmd_serve(args: argparse.Namespace) -> int:
    _default_base_url(args)
    _setup_django()
    return _serve(args)


def cmd_demo(args: argparse.Namespace) -> int:
    os.environ["UNDERSIGNED_DEV"] = "true"
    _default_base_url(args)
    _setup_django()
    _migrate()
    from undersigned.core.demo import demo_load

    result = demo_load()
    print()
    print(f"Demo statement:  http://{args.host}:{args.port}{result.statement_path}")
    print(f"Organizer admin: http://{args.host}:{args.port}/admin/")
    print(f"  email:    {result.organizer_email}")
    print(f"  password: {result.organizer_password}")
    if result.conference_path:
        base = f"http://{args.host}:{args.port}"
        print(f"Demo conference: {base}{result.conference_path}")
        print(f"  chair's sign-in link: {base}{result.chair_link}")
        for name, link in result.delegate_links:
            print(f"  {name}'s sign-in link: {base}{link}")
    print(f"Outbox (mail that would be sent): http://{args.host}:{args.port}/en/dev/outbox/")
    print()
    if args.no_serve:
        return 0
    return _serve(args)


# --- statements -------------------------------------------------------------------------------


def cmd_statement_add(args: argparse.Namespace) -> int:
    _setup_django()
    import json

    from django.conf import settings
    from django.core.exceptions import ValidationError

    from undersigned.statements.parsing import parse_statement, read_statement_file
    from undersigned.statements.services import statement_import, statement_publish

    if args.json and not args.dry_run:
        print("error: --json goes with --dry-run", file=sys.stderr)
        return 2
    try:
        text = read_statement_file(args.file)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    parsed = parse_statement(text, language=args.language)
    if args.dry_run:
        # Save nothing: a person checks the reading (titles, structure, signatories,
        # unread lines) before importing.
        if args.json:
            print(json.dumps(parsed.as_dict(), ensure_ascii=False, indent=2))
        else:
            print(parsed.describe())
        return 0
    language = args.language or parsed.language
    if not language:
        print("error: the language could not be detected: give --language", file=sys.stderr)
        return 2
    titles = dict(parsed.titles)
    if not titles.get(language) and parsed.blocks and parsed.blocks[0].kind == "heading":
        # A Markdown file whose first heading is its title.
        titles[language] = parsed.blocks.pop(0).text
    try:
        statement, report = statement_import(
            parsed=parsed,
            language=language,
            titles=titles,
            slug=args.slug or "",
            signatories=args.signatories,
            actor_label="cli",
        )
    except ValidationError as exc:
        print("error: " + " ".join(exc.messages), file=sys.stderr)
        return 2
    if report is not None:
        for line in report.lines:
            if line.outcome != "add":
                print(line.describe(), file=sys.stderr)
        print(f"{report.added} signatories added (imported, not verified by email)")
    if args.publish:
        statement_publish(statement=statement, actor_label="cli")
    print(f"{settings.BASE_URL}{statement.get_absolute_url()}")
    return 0


# --- signatures -------------------------------------------------------------------------------


def _statement_or_exit(slug: str):
    from undersigned.statements.models import Statement

    statement = Statement.objects.filter(slug=slug).first()
    if statement is None:
        print(f"error: no statement with the address {slug!r}", file=sys.stderr)
        raise SystemExit(2)
    return statement


def cmd_signatures_export(args: argparse.Namespace) -> int:
    _setup_django()
    from undersigned.signatures.exchange import write_export

    statement = _statement_or_exit(args.slug)
    if args.output and args.output != "-":
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            count = write_export(handle, statement=statement, fmt=args.format, status=args.status)
        print(f"{count} signatures written to {args.output}", file=sys.stderr)
    else:
        write_export(sys.stdout, statement=statement, fmt=args.format, status=args.status)
    return 0


def cmd_signatures_import(args: argparse.Namespace) -> int:
    _setup_django()
    from undersigned.signatures.exchange import import_csv

    statement = _statement_or_exit(args.slug)
    with open(args.file, encoding="utf-8-sig", newline="") as handle:
        report = import_csv(handle, statement=statement, dry_run=args.dry_run)
    for line in report.lines:
        print(line.describe())
    verb = "would be added" if args.dry_run else "added"
    print(
        f"{report.added} {verb}, {report.skipped} skipped, {report.rejected} rejected",
        file=sys.stderr,
    )
    return 1 if report.rejected and not args.dry_run else 0


def cmd_recount(args: argparse.Namespace) -> int:
    _setup_django()
    from undersigned.signatures.services import counters_recount

    statement = _statement_or_exit(args.slug) if args.slug else None
    rows = counters_recount(statement=statement)
    print(f"counters rebuilt: {rows} rows")
    return 0


def cmd_createorganizer(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.exceptions import ValidationError

    from undersigned.core.accounts import organizer_create

    password = os.environ.get("UNDERSIGNED_ORGANIZER_PASSWORD") or None
    try:
        user, password = organizer_create(email=args.email, password=password)
    except ValidationError as exc:
        print("error: " + " ".join(exc.messages), file=sys.stderr)
        return 2
    print(f"organizer: {user.email}")
    print(f"password:  {password}")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["undersigned manage", *args.rest])
    return 0


# --- the parser -------------------------------------------------------------------------------


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=32, help="threads per server process")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="undersigned",
        description="Publish joint statements and collect verified signatures.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate, then run the web server and mail worker")
    _server_options(serve)
    serve.add_argument(
        "--no-mail-worker",
        action="store_true",
        help="start no mail worker: `undersigned worker` runs on other machines",
    )
    serve.set_defaults(func=cmd_serve)

    demo = commands.add_parser("demo", help="load the demo statement and organizer, then serve")
    _server_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="load the demo and exit")
    demo.set_defaults(func=cmd_demo)

    statement = commands.add_parser("statement", help="manage statements")
    statement_commands = statement.add_subparsers(dest="statement_command", required=True)
    add = statement_commands.add_parser(
        "add", help="add a statement from Markdown: the first heading is its title"
    )
    add.add_argument("file")
    add.add_argument(
        "--language", help="language code of the text, e.g. en (required unless --dry-run)"
    )
    add.add_argument("--slug", help="the address (default: made from the title)")
    add.add_argument("--publish", action="store_true", help="publish it at once")
    add.add_argument(
        "--signatories",
        action="store_true",
        help="add the signatory list at its end as signatures (imported, not verified by email)",
    )
    add.add_argument(
        "--dry-run",
        action="store_true",
        help="show how the file is read (titles, sections, signatories), save nothing",
    )
    add.add_argument("--json", action="store_true", help="with --dry-run: print it as JSON")
    add.set_defaults(func=cmd_statement_add)

    signatures = commands.add_parser("signatures", help="export and import signatures")
    signature_commands = signatures.add_subparsers(dest="signatures_command", required=True)
    export = signature_commands.add_parser("export", help="stream all signatures of a statement")
    export.add_argument("slug")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument(
        "--status",
        choices=["pending", "awaiting_approval", "verified", "rejected", "withdrawn"],
        help="only this status (default: all)",
    )
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_signatures_export)
    imp = signature_commands.add_parser(
        "import", help="import signatures received by email or on paper, from CSV"
    )
    imp.add_argument("slug")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="report line by line, save nothing")
    imp.set_defaults(func=cmd_signatures_import)

    writer = commands.add_parser(
        "writer", help="write submitted signatures and votes in batches (serve runs one)"
    )
    writer.add_argument("--socket", required=True, help="the Unix socket to listen on")
    writer.set_defaults(func=cmd_writer)

    worker = commands.add_parser(
        "worker", help="send queued mail in batches (serve runs one; run more on their own)"
    )
    worker.add_argument(
        "--worker-id", help="a stable id of this worker alone: what a crash left is requeued"
    )
    worker.add_argument("--batch", type=int, default=200, help="tasks claimed at once")
    worker.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
    worker.set_defaults(func=cmd_worker)

    recount = commands.add_parser("recount", help="rebuild the signature counters exactly")
    recount.add_argument("slug", nargs="?", help="one statement (default: all)")
    recount.set_defaults(func=cmd_recount)

    organizer = commands.add_parser("createorganizer", help="create an organizer account")
    organizer.add_argument("email")
    organizer.set_defaults(func=cmd_createorganizer)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
