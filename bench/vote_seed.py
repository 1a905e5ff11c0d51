"""Seed a conference with N voting delegates, each signed in (a session of their own), and
one open ballot. Run by the harness as `python -m bench.vote_seed N OUTFILE` with the
server's environment; writes the ballot's path and one session key per line."""

from __future__ import annotations

import os
import sys


def seed(count: int, out: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    import django

    django.setup()
    from datetime import date

    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from undersigned.assembly import services
    from undersigned.assembly.models import Delegate, Participant

    User = get_user_model()
    with transaction.atomic():
        conference = services.conference_create(
            title="Bench Conference", slug="bench", starts_on=date.today(), ends_on=date.today()
        )
        chair = services.delegate_add(
            conference=conference, email="chair@bench.example", name="Chair", role="chair"
        )
        participant = Participant.objects.create(
            conference=conference, name="Bench Delegation", country="FR"
        )
        users = User.objects.bulk_create(
            [
                User(username=f"d{n}@bench.example", email=f"d{n}@bench.example")
                for n in range(count)
            ]
        )
        Delegate.objects.bulk_create(
            [
                Delegate(conference=conference, participant=participant, user=user, name=f"D{n}")
                for n, user in enumerate(users)
            ]
        )
        ballot = services.ballot_create(conference=conference, by=chair, title="Bench ballot")
        services.ballot_open(ballot=ballot, by=chair)
    keys = []
    for user in User.objects.filter(username__endswith="@bench.example").exclude(
        username="chair@bench.example"
    ):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    with open(out, "w") as handle:
        handle.write(f"/en/c/bench/ballots/{ballot.pk}/\n")
        handle.write("\n".join(keys) + "\n")


def counted() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    import django

    django.setup()
    from undersigned.assembly.models import Ballot, Vote

    ballot = Ballot.objects.get(conference__slug="bench")
    votes = Vote.objects.filter(ballot=ballot).count()
    print(votes, ballot.voters, ballot.yes + ballot.no + ballot.abstain)


if __name__ == "__main__":
    if sys.argv[1] == "count":
        counted()
    else:
        seed(int(sys.argv[1]), sys.argv[2])
