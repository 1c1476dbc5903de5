"""One row's columns by key, in a plain statement built once from the model.

When a room scans the QR code, or the venue's Wi-Fi comes back, hundreds of phones
open a page or a socket within seconds, and each reads a few single rows: the forum of
its join code and the conference, its session, its participant, the forum's changing
fields and its rev. Through the ORM each of those reads spent most of its time
building and compiling the query in Python (for a socket, in the one database thread
every socket shares). Here the statement is built once per database vendor and
the values come back as the ORM gives them: the backend's and the field's converters
are applied the way the ORM's compiler applies them.
"""

from django.db import connection


def _fetch(sql: str, converters: list, fields: list, key: tuple) -> tuple | None:
    """One row of ``sql`` for ``key`` (compared as ``fields``), converted as the ORM
    converts it; None when there is none."""
    params = [
        field.get_db_prep_value(value, connection) for field, value in zip(fields, key, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None or not converters:
        return row
    values = list(row)
    for i, found, column in converters:
        for converter in found:
            values[i] = converter(values[i], column, connection)
    return tuple(values)


class Row:
    """``SELECT <fields> FROM <model's table> WHERE <key> = %s AND ...``.

    ``fields`` and ``key`` are field names of ``model`` ("pk" for its primary key; a
    foreign key is read and compared as its id); ``fields=None`` reads every concrete
    field, as a plain ``get()`` does.
    """

    def __init__(self, model, fields=None, key=("pk",)):
        meta = model._meta
        self.model = model
        if fields is None:
            self.fields = list(meta.concrete_fields)
        else:
            self.fields = [meta.pk if name == "pk" else meta.get_field(name) for name in fields]
        self.key = [meta.pk if name == "pk" else meta.get_field(name) for name in key]
        self.attnames = [field.attname for field in self.fields]
        self._built: dict[str, tuple[str, list]] = {}  # vendor -> statement, converters

    def _statement(self) -> tuple[str, list]:
        vendor = connection.vendor
        if vendor not in self._built:
            quote, table = connection.ops.quote_name, self.model._meta.db_table
            columns = ", ".join(quote(field.column) for field in self.fields)
            where = " AND ".join(f"{quote(field.column)} = %s" for field in self.key)
            converters = []
            for i, field in enumerate(self.fields):
                column = field.get_col(table)
                found = connection.ops.get_db_converters(column) + column.get_db_converters(
                    connection
                )
                if found:
                    converters.append((i, found, column))
            # Only quoted names from the model are formatted in; values are parameters.
            sql = f"SELECT {columns} FROM {quote(table)} WHERE {where}"  # nosec B608
            self._built[vendor] = (sql, converters)
        return self._built[vendor]

    def get(self, *key) -> tuple | None:
        """The row's values in the order of ``fields``, or None when there is no such row."""
        sql, converters = self._statement()
        return _fetch(sql, converters, self.key, key)

    def refresh(self, instance) -> None:
        """Set ``fields`` on ``instance`` from its row, as ``refresh_from_db(fields=...)``
        does for plain fields; ``DoesNotExist`` when the row is gone."""
        values = self.get(*(getattr(instance, field.attname) for field in self.key))
        if values is None:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} {instance.pk} no longer exists"
            )
        for attname, value in zip(self.attnames, values, strict=False):
            setattr(instance, attname, value)

    def instance(self, *key):
        """The model instance from its row, or None; fields not read are deferred (read
        on first use, as with ``only()``)."""
        values = self.get(*key)
        return (
            None if values is None else self.model.from_db(connection.alias, self.attnames, values)
        )


class RowWithParent:
    """A row and the row its foreign key names, in one statement:
    ``SELECT <child fields>, <parent fields> FROM child JOIN parent ON ... WHERE <key>``.

    ``child`` and ``parent`` are ``Row``s (the parent's key its primary key); ``via`` the
    child's foreign key to the parent. Gives both model instances, or None when there is
    no such row (or its parent is gone), with the parent set on the child."""

    def __init__(self, child: Row, parent: Row, via: str):
        self.child, self.parent = child, parent
        self.via = child.model._meta.get_field(via)
        self._built: dict[str, tuple[str, list]] = {}

    def _statement(self) -> tuple[str, list]:
        vendor = connection.vendor
        if vendor not in self._built:
            quote = connection.ops.quote_name
            child_sql, child_converters = self.child._statement()
            parent_sql, parent_converters = self.parent._statement()
            child_table = quote(self.child.model._meta.db_table)
            parent_table = quote(self.parent.model._meta.db_table)
            columns = ", ".join(
                [f"{child_table}.{quote(f.column)}" for f in self.child.fields]
                + [f"{parent_table}.{quote(f.column)}" for f in self.parent.fields]
            )
            where = " AND ".join(f"{child_table}.{quote(f.column)} = %s" for f in self.child.key)
            on = (
                f"{parent_table}.{quote(self.parent.model._meta.pk.column)} = "
                f"{child_table}.{quote(self.via.column)}"
            )
            offset = len(self.child.fields)
            converters = child_converters + [
                (offset + i, found, column) for i, found, column in parent_converters
            ]
            # Only quoted names from the models are formatted in; values are parameters.
            sql = f"SELECT {columns} FROM {child_table} JOIN {parent_table} ON {on} WHERE {where}"  # nosec B608
            self._built[vendor] = (sql, converters)
        return self._built[vendor]

    def instance(self, *key):
        sql, converters = self._statement()
        values = _fetch(sql, converters, self.child.key, key)
        if values is None:
            return None
        offset = len(self.child.fields)
        child = self.child.model.from_db(connection.alias, self.child.attnames, values[:offset])
        parent = self.parent.model.from_db(connection.alias, self.parent.attnames, values[offset:])
        setattr(child, self.via.name, parent)
        return child
