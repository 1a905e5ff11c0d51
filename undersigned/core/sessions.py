"""Django's database sessions, read by a statement prepared once.

Reading the session is the first thing every request of a signed-in delegate or organizer
does; when 2,000 delegates vote within seconds, compiling the ORM's query for it cost
more than the database's work. Writing, expiring and deleting sessions stay Django's.
"""

from __future__ import annotations

import functools

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone


@functools.cache
def _select() -> str:
    quote = connection.ops.quote_name
    meta = Session._meta
    data, key, expires = (
        quote(meta.get_field(name).column)
        for name in ("session_data", "session_key", "expire_date")
    )
    return f"SELECT {data} FROM {quote(meta.db_table)} WHERE {key} = %s AND {expires} > %s"  # noqa: S608 - names only


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        """The unexpired session of this key, as Django's own query finds it."""
        key = self.session_key
        row = None
        if key:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            with connection.cursor() as cursor:
                cursor.execute(_select(), [key, now])
                row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return Session(session_key=key, session_data=row[0])
