"""The week benchmark's stand-in for autovacuum (``benchmarks/autoanalyze.py``): on a PostgreSQL
without autovacuum it analyses a table once autovacuum's threshold of changes is passed, and
only then; elsewhere it does nothing."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from autoanalyze import AutoAnalyze  # noqa: E402


def test_on_sqlite_it_does_nothing(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    stand_in = AutoAnalyze.for_engine(engine)
    assert not stand_in.active
    assert stand_in.step() == []
    assert stand_in.summary() == ""


@pytest.fixture
def pg_engine(sob_database_url):
    if not sob_database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (SOB_TEST_DATABASE_URL)")
    engine = create_engine(
        sob_database_url, poolclass=NullPool
    )  # a closed connection reports its counts
    table = f"autoanalyze_probe_{os.getpid()}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        conn.exec_driver_sql(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"ANALYZE {table}")
    yield engine, table
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    engine.dispose()


def _changed_since_analysis(engine, table: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = :t"),
                {"t": table},
            )
            or 0
        )


def _await_counts(engine, table: str, at_least: int) -> None:
    """The server's statistics reach a new connection within a second or so."""
    deadline = time.monotonic() + 15
    while _changed_since_analysis(engine, table) < at_least:
        assert time.monotonic() < deadline, "the insert never reached pg_stat_user_tables"
        time.sleep(0.05)


def test_it_is_active_exactly_when_the_server_runs_without_autovacuum(pg_engine):
    engine, _table = pg_engine
    with engine.connect() as conn:
        autovacuum = conn.exec_driver_sql("SHOW autovacuum").scalar()
    assert AutoAnalyze.for_engine(engine).active is (autovacuum == "off")


def test_a_table_is_analysed_once_autovacuum_s_threshold_is_passed(pg_engine):
    engine, table = pg_engine
    stand_in = AutoAnalyze(engine, active=True, threshold=50, scale=0.1)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {table} SELECT g FROM generate_series(1, 40) AS g")  # noqa: S608
    _await_counts(engine, table, 40)
    assert table not in stand_in.step()  # 40 changes: under 50 + 10 % of 0 rows

    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {table} SELECT g FROM generate_series(41, 60) AS g")  # noqa: S608
    _await_counts(engine, table, 60)
    assert table in stand_in.step()
    assert stand_in.analysed[table] == 1
    assert _changed_since_analysis(engine, table) == 0
    with engine.connect() as conn:
        assert (
            conn.scalar(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table})
            == 60
        )
    assert table not in stand_in.step()  # nothing changed since
    assert f"{table} 1" in stand_in.summary()
