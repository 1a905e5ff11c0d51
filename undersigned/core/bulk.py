"""Multi-row INSERTs for hot paths, without a model instance per row.

`bulk_create` prepares every field of every object through the ORM, which on the signing
path cost more than the database work, and did so while holding the write lock. Here a
batch prepares one template instance, through each field's own `pre_save` and
`get_db_prep_save`, so defaults, `auto_now_add` and database adaptation stay the model's.
Each row then prepares only the few fields that vary, and that can happen before the
transaction begins.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models

# Rows per INSERT statement: far below SQLite's and PostgreSQL's limits on parameters.
_CHUNK = 200

# Fields whose preparation returns a value of this exact type unchanged (Django's
# to_python/get_prep_value pass it through and the backends adapt it as it is): rows skip
# the field machinery for them, which was most of a signature's cost in the writer.
_AS_IS: dict[type[models.Field], type] = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
}


def _passes_as_is(field: models.Field) -> type | None:
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    return _AS_IS.get(type(target))


class RowTemplate:
    """DB-ready values for rows of `model` that share everything but `varying` fields.

    A template may live as long as the process: `at(now, …)` gives the copy for one batch,
    with its auto_now(_add) fields and any other named fields set and prepared once. A
    default that is a callable (a uuid, a time) is called once per template: such a field
    must be one of `varying` or be set through `at`."""

    def __init__(self, model: type[models.Model], *, varying: Sequence[str], **constant: Any):
        self.model = model
        meta = model._meta
        auto_pk = isinstance(meta.pk, models.AutoField | models.BigAutoField)
        self.fields = [f for f in meta.concrete_fields if not (f.primary_key and auto_pk)]
        instance = model(**constant)
        base = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in self.fields]
        self._base = base
        positions = {f.attname: index for index, f in enumerate(self.fields)}
        positions.update({f.name: index for index, f in enumerate(self.fields)})
        self._positions = positions
        self._varying = [
            (
                positions[name],
                self.fields[positions[name]],
                _passes_as_is(self.fields[positions[name]]),
            )
            for name in varying
        ]
        self._timed = [
            index
            for index, f in enumerate(self.fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        self.returns_pk = auto_pk
        ops = connection.ops
        table = ops.quote_name(meta.db_table)
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        self._sql = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - names only
        self._one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self._returning = f" RETURNING {ops.quote_name(meta.pk.column)}"

    def at(self, now: datetime, **values: Any) -> RowTemplate:
        """This template for one batch written at `now`: auto_now(_add) fields hold `now`,
        and each of `values` replaces that field's constant."""
        batch = copy.copy(self)
        base = list(self._base)
        for index in self._timed:
            base[index] = self.fields[index].get_db_prep_save(now, connection)
        for name, value in values.items():
            index = self._positions[name]
            base[index] = self.fields[index].get_db_prep_save(value, connection)
        batch._base = base
        return batch

    def row(self, *values: Any) -> list[Any]:
        """One row: `values` for the varying fields, in the order they were named."""
        row = list(self._base)
        for (index, field, as_is), value in zip(self._varying, values, strict=True):
            row[index] = (
                value if type(value) is as_is else field.get_db_prep_save(value, connection)
            )
        return row

    def insert(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """INSERT the rows in the current transaction; returns the new primary keys in
        row order when the table makes them (auto-increment), else an empty list."""
        keys: list[Any] = []
        with connection.cursor() as cursor:
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                sql = self._sql + ", ".join([self._one] * len(chunk))
                params = [value for row in chunk for value in row]
                if self.returns_pk:
                    cursor.execute(sql + self._returning, params)
                    keys.extend(found for (found,) in cursor.fetchall())
                else:
                    cursor.execute(sql, params)
        return keys
