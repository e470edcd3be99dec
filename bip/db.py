"""PostgreSQL-only features behind one module, with the SQLite fallback beside each."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import numpy as np
import pandas as pd
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, IntegerField


def is_postgres(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def keeps_change_markers(connection: BaseDatabaseWrapper) -> bool:
    """Whether the database runs the statement triggers that keep change markers
    (measurements.SpellScoring, migration 0008): PostgreSQL. On SQLite (the demo)
    the migration adds none, so nothing is known to be unchanged there and callers
    fall back to looking at everything."""
    return is_postgres(connection)


def set_lock_timeout(connection: BaseDatabaseWrapper, *, milliseconds: int) -> None:
    """Inside a transaction: give up on a row lock after this long (PostgreSQL).
    SQLite locks the whole file instead and waits for its busy timeout."""
    if is_postgres(connection):
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {int(milliseconds)}")


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_y{month.year:04d}m{month.month:02d}"


def ensure_month_partitions(
    connection: BaseDatabaseWrapper, table: str, first: date, months: int
) -> list[str]:
    """Create monthly partitions [first, first + months); returns the new ones."""
    if not is_postgres(connection):
        return []
    created = []
    with connection.cursor() as cursor:
        for i in range(months):
            start = add_months(month_start(first), i)
            end = add_months(start, 1)
            name = partition_name(table, start)
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:
                continue
            cursor.execute(
                f'CREATE TABLE "{name}" PARTITION OF "{table}" '
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
            created.append(name)
    return created


def drop_month_partitions_before(
    connection: BaseDatabaseWrapper, table: str, before: date
) -> list[str]:
    """Drop whole monthly partitions that end on or before `before` (retention)."""
    if not is_postgres(connection):
        return []
    dropped = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = %s AND c.relname ~ '_y[0-9]{4}m[0-9]{2}$'
            ORDER BY c.relname
            """,
            [table],
        )
        for (name,) in cursor.fetchall():
            year, month = int(name[-7:-3]), int(name[-2:])
            if add_months(date(year, month, 1), 1) <= before:
                cursor.execute(f'DROP TABLE "{name}"')
                dropped.append(name)
    return dropped


class DaysSinceEpoch(Func):
    """A date as whole days since 1970-01-01, on PostgreSQL and SQLite alike, so date
    arithmetic with a per-row interval (due dates) runs in the database."""

    output_field = IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(%(expressions)s - DATE '1970-01-01')",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
            **extra,
        )


EPOCH = date(1970, 1, 1)


def days_since_epoch(d: date) -> int:
    return (d - EPOCH).days


def from_days(days: int | None) -> date | None:
    return None if days is None else EPOCH + timedelta(days=days)


def stream(qs: Any, chunk_size: int = 2000) -> Any:
    """The rows of a queryset without holding them all in memory: a server-side cursor
    on PostgreSQL (opened outside a transaction it is WITH HOLD, so the commits of the
    chunks a job writes meanwhile do not close it). SQLite reads the rows first: a
    read cursor left open across the job's own writes is not worth the risk there."""

    if is_postgres(connections[qs.db]):
        return qs.iterator(chunk_size=chunk_size)
    return iter(list(qs))


def stream_tuples(qs: Any, chunk_size: int = 2000) -> Iterator[tuple[Any, ...]]:
    """The rows of a values() queryset as plain tuples in its select order (its
    values() fields, then its annotations), without holding them all in memory and
    without per-cell conversion in Python where the driver's own loaders do it
    (ints, floats, dates); uuids come as their text, which is what str() gives.

    PostgreSQL: `stream_sql` of the queryset's SQL. SQLite reads the rows first,
    through Django's converters."""

    conn = connections[qs.db]
    compiler = qs.query.get_compiler(qs.db)
    if not is_postgres(conn):
        rows = list(compiler.results_iter(tuple_expected=True))
        yield from (
            tuple(str(v) if isinstance(v, UUID) else v for v in row) for row in rows
        )
        return
    sql, params = compiler.as_sql()
    yield from stream_sql(sql, params, alias=qs.db, chunk_size=chunk_size)


# the session settings a query's text output depends on: floats as their shortest
# exact digits (PostgreSQL's default since 12, set here whatever the server's
# configuration says), dates as YYYY-MM-DD; and no JIT compilation, which for an
# export's query cost more than it saved (2.3 s of 4 at 100,000 rounds, where a
# join to the citizens' date shifts made the planner's estimate of rows far too
# high)
_OUTPUT_SETTINGS = {"extra_float_digits": "1", "DateStyle": "ISO, YMD", "jit": "off"}


def stream_sql(
    sql: str, params: Any, *, alias: str = "default", chunk_size: int = 2000
) -> Iterator[tuple[Any, ...]]:
    """The rows of a PostgreSQL query as plain tuples (the driver's loaders, uuids
    as text), not all held in memory, with floats and dates written as text in one
    fixed way (_OUTPUT_SETTINGS).

    Outside a transaction (a job): COPY (query) TO STDOUT on a connection of its
    own, so the server produces rows while the caller writes the ones it has (and
    the caller's connection stays free for its progress commits); memory stays
    bounded by the socket's buffers. Inside a transaction a second connection would
    not see its rows: one server-side cursor read in chunks instead, with the
    settings for that transaction alone."""
    from psycopg import ClientCursor
    from psycopg.types.string import TextLoader

    conn = connections[alias]
    if conn.in_atomic_block:
        with conn.cursor() as cursor:
            for name, value in _OUTPUT_SETTINGS.items():
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        with conn.chunked_cursor() as cursor:
            cursor.cursor.adapters.register_loader("uuid", TextLoader)
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(chunk_size):
                yield from rows
        return
    own = connections.create_connection(alias)
    try:
        own.ensure_connection()
        raw = own.connection
        query = ClientCursor(raw).mogrify(sql, params)
        with raw.cursor() as cursor:
            for name, value in _OUTPUT_SETTINGS.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
            # the columns' types, as the query gives them (LIMIT 0: planned only)
            cursor.execute(f"SELECT * FROM ({query}) AS q LIMIT 0")  # noqa: S608 - the ORM's SQL
            text = raw.adapters.types["text"].oid
            uuid = raw.adapters.types["uuid"].oid
            oids = [
                text if d.type_code == uuid else d.type_code
                for d in cursor.description or ()
            ]
            with cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
                copy.set_types(oids)
                yield from copy.rows()
    finally:
        own.close()


def copy_out(sql: str, conn: BaseDatabaseWrapper = connection) -> bytes:
    """The rows of a complete PostgreSQL query (no parameters left) as COPY text."""
    buffer = io.BytesIO()
    with conn.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
        for data in copy:
            buffer.write(data)
    return buffer.getvalue()


def read_numbers(qs: Any, fields: list[str], names: list[str]) -> pd.DataFrame:
    """The rows of `qs.values_list(*fields)`, every field a number, as a DataFrame
    with columns `names` (a NULL as NaN, its column then float). PostgreSQL: COPY
    (query) TO STDOUT on the caller's connection (inside its transaction, so it sees
    what the transaction wrote) parsed by pandas in one go, so the rows never become
    Python objects; elsewhere through the ORM."""

    values = qs.values_list(*fields)
    conn = connections[qs.db]
    if not is_postgres(conn):
        return pd.DataFrame.from_records(list(values), columns=names)
    from psycopg import ClientCursor

    sql, params = values.query.get_compiler(qs.db).as_sql()
    conn.ensure_connection()
    text = copy_out(ClientCursor(conn.connection).mogrify(sql, params), conn)
    if not text:
        return pd.DataFrame({name: pd.Series(dtype="int64") for name in names})
    return pd.read_csv(
        io.BytesIO(text),
        sep="\t",
        header=None,
        names=names,
        na_values=["\\N"],
        keep_default_na=False,
    )


def derived_commit() -> None:
    """For the current transaction, when everything it writes can be computed again
    from what is already stored and it records how far it got in the same
    transaction (a recompute's chunk with its job's checkpoint): PostgreSQL
    acknowledges its commit before the commit reaches the disk. A crash of the
    database may then lose the last such transactions, each whole, its checkpoint
    with it, and the job does them again; it never loses half of one, and no other
    transaction is affected. SQLite: nothing."""

    if is_postgres(connection):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def xact_lock(namespace: int, key: int) -> None:
    """A transaction-level advisory lock on PostgreSQL, released at commit or
    rollback. SQLite (the demo) has one writer at a time anyway."""

    if is_postgres(connection):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])


def copy_rows(model: Any, fields: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert many plain rows (tuples in the order of `fields`, FK fields by their
    attname, values already in their database form): COPY on PostgreSQL, one
    prepared INSERT run for every row on SQLite; both several times faster than the
    ORM building the rows."""

    columns = ", ".join(f'"{model._meta.get_field(f).column}"' for f in fields)
    if not is_postgres(connection):
        _insert_many(model._meta.db_table, columns, len(fields), rows, "")
        return
    sql = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def reserve_ids(model: Any, n: int) -> list[int]:
    """`n` primary keys for rows written with copy_rows, so their children can name
    them: taken from the table's sequence on PostgreSQL (never handed out again);
    on SQLite the ones after the highest used, which is safe inside a transaction
    there (one writer holds the file's write lock until it commits)."""

    if n <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if is_postgres(connection):
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                "FROM generate_series(1, %s)",
                [f'"{table}"', column, n],
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids needs a transaction on SQLite")
        # AUTOINCREMENT never reuses an id, even one whose row was deleted
        cursor.execute(
            f'SELECT MAX("{column}") FROM "{table}"'  # noqa: S608 - names from the model
        )
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(highest, row[0] if row else 0) + 1
    return list(range(first, first + n))


def copy_upsert(
    model: Any,
    fields: list[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    unique_fields: list[str],
    update_fields: list[str],
) -> None:
    """Insert plain rows as copy_rows does, a row that conflicts on `unique_fields`
    updating the existing one's `update_fields` (what bulk_create(update_conflicts=
    True) does, without building model instances). PostgreSQL: COPY into a temporary
    table dropped at commit, then one INSERT ... SELECT ... ON CONFLICT (three
    statements); inside a transaction. SQLite: one prepared INSERT ... ON CONFLICT run for every row."""

    table = model._meta.db_table

    def column(name: str) -> str:
        return f'"{model._meta.get_field(name).column}"'

    columns = ", ".join(column(f) for f in fields)
    conflict = ", ".join(column(f) for f in unique_fields)
    updates = ", ".join(f"{column(f)} = EXCLUDED.{column(f)}" for f in update_fields)
    if not is_postgres(connection):
        _insert_many(
            table,
            columns,
            len(fields),
            rows,
            suffix=f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
        )
        return
    if not connection.in_atomic_block:
        raise RuntimeError("copy_upsert needs a transaction")
    staging = f"copy_upsert_{table}"
    with connection.cursor() as cursor:
        # the columns' types without their constraints (the id comes from the
        # table's sequence on the INSERT)
        create = (
            f'CREATE TEMP TABLE IF NOT EXISTS "{staging}" ON COMMIT DROP AS '  # noqa: S608 - names from the model
            f'SELECT {columns} FROM "{table}" WITH NO DATA'
        )
        cursor.execute(create)
        with cursor.cursor.copy(f'COPY "{staging}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        # emptied as it is read: a second call in the same transaction (a test's)
        # finds it empty
        cursor.execute(
            f'WITH staged AS (DELETE FROM "{staging}" RETURNING {columns}) '  # noqa: S608 - names from the model
            f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM staged '
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )


# PostgreSQL's binary COPY: the file header, each row's field count (int16) and
# each field as its length (int32, -1 for NULL) and its bytes, big-endian.
BINARY_HEADER = b"PGCOPY\n\xff\r\n\0" + bytes(8)
BINARY_TRAILER = b"\xff\xff"
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 UTC in microseconds since 1970
FIXED_WIDTH = {"int8": ">i8", "int4": ">i4", "int2": ">i2", "float8": ">f8"}
TEXT_TYPES = ("varchar", "text", "bpchar")  # binary form: the UTF-8 bytes
BINARY_OTHERS = ("bool", "timestamptz", *TEXT_TYPES)
_column_types: dict[str, dict[str, str]] = {}


def _types(table: str) -> dict[str, str]:
    """The table's column types (pg_type names), read once per process."""
    if table not in _column_types:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.attname, t.typname FROM pg_attribute a "
                "JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 "
                "AND NOT a.attisdropped",
                [f'"{table}"'],
            )
            _column_types[table] = dict(cursor.fetchall())
    return _column_types[table]


def _field(column: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """One column as binary COPY fields: a (rows, width) byte block and the mask of
    the bytes each row uses (its length, and its value unless NULL)."""
    n = len(column)
    missing = column.isna().to_numpy()
    if kind not in FIXED_WIDTH and kind not in BINARY_OTHERS:
        # another type's binary form (a date, JSON, a number with decimals) is not
        # its text: refused rather than written wrong
        raise ValueError(f"{column.name}: binary COPY of type {kind} is not written")
    if kind not in TEXT_TYPES:
        if kind == "bool":
            data = column.fillna(False).to_numpy(dtype=bool).astype("u1")[:, None]
        elif kind == "timestamptz":
            moments = pd.to_datetime(column, utc=True)
            micros = moments.astype("datetime64[us, UTC]").to_numpy(
                dtype="datetime64[us]"
            )
            since = micros.astype("int64") - PG_EPOCH_US
            data = np.where(missing, 0, since).astype(">i8").view("u1").reshape(n, 8)
        elif kind == "float8":
            values = np.where(missing, 0.0, column.to_numpy(dtype=float))
            data = values.astype(">f8").view("u1").reshape(n, 8)
        else:
            values = column.fillna(0).to_numpy(dtype=np.int64)
            data = values.astype(FIXED_WIDTH[kind]).view("u1").reshape(n, -1)
        width = data.shape[1]
        lengths = np.where(missing, -1, width)
        used = np.repeat(~missing[:, None], width, axis=1)
    else:  # text types: each distinct value encoded once
        codes, distinct = pd.factorize(column)
        encoded = [str(v).encode() for v in distinct]
        width = max((len(b) for b in encoded), default=0) or 1
        table = np.array([*encoded, b""], dtype=f"S{width}")
        data = table[codes].view("u1").reshape(n, width)
        lengths = np.array([len(b) for b in encoded] + [-1])[codes]
        used = np.arange(width)[None, :] < lengths[:, None]
    prefix = lengths.astype(">i4").view("u1").reshape(n, 4)
    block = np.hstack([prefix, data])
    mask = np.hstack([np.ones((n, 4), dtype=bool), used])
    return block, mask


def copy_frame(model: Any, frame: Any) -> None:
    """Insert the rows of a pandas DataFrame whose columns are the model's field
    attnames, NaN (or None) for NULL: on PostgreSQL as binary COPY built column by
    column with numpy, so the rows never become Python objects and no value is
    formatted as text (any text is written as it is); elsewhere row by row as
    copy_rows does."""

    if frame.empty:
        return
    fields = list(frame.columns)
    if not is_postgres(connection):
        plain = frame.astype(object).where(frame.notna(), None)
        copy_rows(model, fields, (tuple(r) for r in plain.itertuples(index=False)))
        return
    table = model._meta.db_table
    columns = [model._meta.get_field(f).column for f in fields]
    kinds = _types(table)
    n = len(frame)
    count = np.full(n, len(fields), dtype=">i2").view("u1").reshape(n, 2)
    blocks, masks = [count], [np.ones((n, 2), dtype=bool)]
    for name, column in zip(fields, columns, strict=True):
        block, mask = _field(frame[name], kinds[column])
        blocks.append(block)
        masks.append(mask)
    body = np.hstack(blocks)[np.hstack(masks)].tobytes()
    names = ", ".join(f'"{c}"' for c in columns)
    with (
        connection.wrap_database_errors,  # Django's IntegrityError, as the ORM's
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f'COPY "{table}" ({names}) FROM STDIN (FORMAT BINARY)'
        ) as copy,
    ):
        copy.write(BINARY_HEADER + body + BINARY_TRAILER)


def _insert_many(
    table: str, columns: str, n: int, rows: Iterable[tuple[Any, ...]], suffix: str
) -> None:
    """The SQLite fallback of the COPY writers: one prepared INSERT run for every
    row, each moment adapted once (a bulk write repeats its moments)."""
    adapted: dict[datetime, Any] = {}

    def adapt(v: Any) -> Any:
        if not isinstance(v, datetime):
            return v
        if v not in adapted:
            adapted[v] = connection.ops.adapt_datetimefield_value(v)
        return adapted[v]

    values = [[adapt(v) for v in row] for row in rows]
    if not values:
        return
    marks = ", ".join(["%s"] * n)
    with connection.cursor() as cursor:
        cursor.executemany(
            f'INSERT INTO "{table}" ({columns}) VALUES ({marks}){suffix}',  # noqa: S608 - names from the model, values bound
            values,
        )
