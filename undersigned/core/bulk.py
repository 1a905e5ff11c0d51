"""Multi-row INSERTs for hot paths, without a model instance per row.

`bulk_create` prepares every field of every object through the ORM, which on the signing
path cost more than the database work, and did so while holding the write lock. Here a
batch prepares one template instance, through each field's own `pre_save` and
`get_db_prep_save`, so defaults, `auto_now_add` and database adaptation stay the model's.
Each row then prepares only the few fields that vary, and that can happen before the
transaction begins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

# Rows per INSERT statement: far below SQLite's and PostgreSQL's limits on parameters.
_CHUNK = 200


class RowTemplate:
    """DB-ready values for rows of `model` that share everything but `varying` fields."""

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
        self._varying = [(positions[name], self.fields[positions[name]]) for name in varying]
        self.returns_pk = auto_pk

    def row(self, *values: Any) -> list[Any]:
        """One row: `values` for the varying fields, in the order they were named."""
        row = list(self._base)
        for (index, field), value in zip(self._varying, values, strict=True):
            row[index] = field.get_db_prep_save(value, connection)
        return row

    def insert(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """INSERT the rows in the current transaction; returns the new primary keys in
        row order when the table makes them (auto-increment), else an empty list."""
        ops = connection.ops
        table = ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        returning = f" RETURNING {ops.quote_name(self.model._meta.pk.column)}"
        keys: list[Any] = []
        with connection.cursor() as cursor:
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                values = ", ".join([one] * len(chunk))
                sql = f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608 - names and %s only
                params = [value for row in chunk for value in row]
                if self.returns_pk:
                    cursor.execute(sql + returning, params)
                    keys.extend(found for (found,) in cursor.fetchall())
                else:
                    cursor.execute(sql, params)
        return keys
