"""Sessions read by the prepared statement (core/sessions.py), as Django's own store reads them."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from undersigned.core.sessions import SessionStore


def test_a_saved_session_is_read_back_by_its_key(db):
    store = SessionStore()
    store["delegate"] = 7
    store.create()
    assert SessionStore(store.session_key).load() == {"delegate": 7}


def test_an_expired_session_is_not_read(db):
    store = SessionStore()
    store["delegate"] = 7
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    again = SessionStore(store.session_key)
    assert again.load() == {}
    assert again.session_key is None


def test_an_unknown_key_reads_nothing(db):
    store = SessionStore("x" * 32)
    assert store.load() == {}
    assert store.session_key is None


def test_a_signed_in_organizer_stays_signed_in(client, organizer):
    client.force_login(organizer)
    assert client.get("/admin/").status_code == 200
