"""Inserting many rows fast: `executemany` of prepared tuples, with primary keys reserved up front.

Django's `bulk_create` prepares every field of every object through the query compiler, which costs
about as much per row as the whole rest of an import. Imports and recomputes insert plain rows they
have already validated, so they go through here instead. Ids are reserved before the insert so the
caller can link child rows (contact points, consents) without reading anything back.
"""

import operator
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models.base import ModelState


def _memoised(adapt):
    """Most timestamps in a batch are the same "now": adapt each distinct value once."""
    seen: dict = {}

    def adapted(value):
        if value not in seen:
            seen[value] = adapt(value)
        return seen[value]

    return adapted


def _adapter(field: models.Field):
    """The backend's own adapter for a field's values, or None where the driver takes them as they are.

    The same adapters Django applies at the end of get_db_prep_save, without the per-value dispatch
    through the field that makes bulk_create slow.
    """
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "JSONField":
        # Most rows' tags and attributes are empty: those need no encoder call.
        empty = {"[]": ops.adapt_json_value([], field.encoder), "{}": ops.adapt_json_value({}, field.encoder)}

        def adapt_json(value):
            if not value and isinstance(value, list | dict):
                return empty["[]" if isinstance(value, list) else "{}"]
            return ops.adapt_json_value(value, field.encoder)

        return adapt_json
    if kind == "DateTimeField":
        return _memoised(ops.adapt_datetimefield_value)
    if kind == "DateField":
        return _memoised(ops.adapt_datefield_value)
    if kind == "DecimalField":
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if kind in ("TimeField", "UUIDField", "DurationField", "BinaryField", "GenericIPAddressField"):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows. Must run inside the transaction that inserts them."""
    if count == 0:
        return []
    table = model._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # Safe under SQLite's single writer: settings start transactions IMMEDIATE, so this
            # transaction already holds the write lock and no other writer can take these ids.
            # sqlite_sequence remembers ids of deleted rows (AUTOINCREMENT): never hand one out again,
            # or the audit trail of a deleted customer would attach itself to a new one.
            # Identifiers come from model metadata, quoted; no user input reaches this SQL.
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(table)}), 0), "  # noqa: S608
                "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                [table],
            )
            start = cursor.fetchone()[0] + 1
            return list(range(start, start + count))
    raise NotImplementedError(f"reserve_ids does not support {connection.vendor}")


def insert_objects(
    model: type[models.Model], objects: Sequence[object], field_names: Iterable[str], *, with_pk: bool = True
) -> None:
    """INSERT the given fields of new rows: model instances, or any objects with the fields' attnames.

    With `with_pk` the primary key (from reserve_ids) is written too; without, the database assigns it.
    """
    if not objects:
        return
    fields = _fields(model, field_names, with_pk)
    values = operator.attrgetter(*(field.attname for field in fields))
    rows = [(values(obj),) for obj in objects] if len(fields) == 1 else [values(obj) for obj in objects]
    _execute(model, fields, rows)


def insert_rows(
    model: type[models.Model], field_names: Iterable[str], rows: Sequence[tuple], *, with_pk: bool = True
) -> None:
    """INSERT tuples of Python values, one per row, in the order of `field_names` (the pk first with_pk).

    For rows an import builds itself: no object per row at all.
    """
    if rows:
        _execute(model, _fields(model, field_names, with_pk), rows)


def _fields(model: type[models.Model], field_names: Iterable[str], with_pk: bool) -> list[models.Field]:
    named = [model._meta.get_field(name) for name in field_names]
    return [model._meta.pk, *named] if with_pk else named


def _execute(model: type[models.Model], fields: list[models.Field], rows: Sequence[tuple]) -> None:
    converters = [(index, convert) for index, convert in enumerate(map(_adapter, fields)) if convert]
    if converters:
        # Column by column, and only the columns that need it (JSON, dates): the rest go to the driver
        # as they are. Transposing is done in C, so this costs little more than the conversions.
        by_column = list(zip(*rows, strict=True))
        for index, convert in converters:
            by_column[index] = [None if value is None else convert(value) for value in by_column[index]]
        rows = list(zip(*by_column, strict=True))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


_prepared: dict[type, tuple[dict, frozenset]] = {}


def unsaved(model: type[models.Model], values: dict) -> models.Model:
    """A new, unsaved instance with `values` over the fields' defaults, without Model.__init__.

    __init__ dispatches on every field of every instance, which is about half the cost of turning an
    import row into a new record (it also sends pre_init/post_init, which nothing in Sidos listens to
    for the models imports create). Only plain (non-callable) defaults are filled in: `values` must give
    every field whose default is callable (JSON lists and dicts, timestamps), so that no two instances
    share a mutable default. Foreign keys are given by attname (customer_id).
    """
    if model not in _prepared:
        fields = model._meta.concrete_fields
        callable_default = {
            field.attname for field in fields if field.has_default() and callable(field.default)
        }
        _prepared[model] = (
            {field.attname: field.get_default() for field in fields if field.attname not in callable_default},
            frozenset(callable_default),
        )
    defaults, required = _prepared[model]
    if not required <= values.keys():
        # A field left out would be a deferred field: reading it would query the database per instance.
        raise TypeError(
            f"unsaved({model.__name__}) needs values for {', '.join(sorted(required - values.keys()))}"
        )
    instance = model.__new__(model)
    state = instance.__dict__
    state.update(defaults)
    state["_state"] = ModelState()
    state.update(values)
    return instance


def concrete_field_names(model: type[models.Model]) -> list[str]:
    """Every stored field but the primary key: what insert_objects writes for a whole new row."""
    return [field.name for field in model._meta.concrete_fields if not field.primary_key]
