"""What PostgreSQL's autovacuum would analyse, for a server that runs without it.

A production PostgreSQL runs autovacuum (on by default). It analyses a table again once
``autovacuum_analyze_threshold`` + ``autovacuum_analyze_scale_factor`` × its rows have changed
since the last analysis (50 rows + 10 % by default), which also makes every backend plan its
cached statements again, the foreign-key checks among them. A server with ``autovacuum = off``
(as on some development machines) never does: a table that was empty when first planned keeps a
sequential-scan plan for its foreign-key checks however large it grows, and a long benchmark
measures that instead of the service.

``AutoAnalyze.step`` applies autovacuum's analyse rule with the server's own settings; it does
nothing where autovacuum runs (or on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_DUE = """
SELECT s.relname
FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
WHERE s.schemaname = current_schema()
  AND s.n_mod_since_analyze > :threshold + :scale * GREATEST(c.reltuples, 0)
ORDER BY s.relname
"""


@dataclass
class AutoAnalyze:
    engine: Any
    active: bool = False
    threshold: int = 50
    scale: float = 0.1
    analysed: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_engine(cls, engine: Any) -> AutoAnalyze:
        """Active only on a PostgreSQL server whose autovacuum is off."""
        stand_in = cls(engine)
        if engine.dialect.name != "postgresql":
            return stand_in
        with engine.connect() as conn:
            settings = dict(
                conn.exec_driver_sql(
                    "SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', "
                    "'autovacuum_analyze_threshold', 'autovacuum_analyze_scale_factor')"
                ).all()
            )
        stand_in.active = settings.get("autovacuum") == "off"
        stand_in.threshold = int(settings.get("autovacuum_analyze_threshold", 50))
        stand_in.scale = float(settings.get("autovacuum_analyze_scale_factor", 0.1))
        return stand_in

    def step(self) -> list[str]:
        """Analyse the tables autovacuum would analyse now; their names."""
        if not self.active:
            return []
        from sqlalchemy import text

        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            due = list(conn.scalars(text(_DUE), {"threshold": self.threshold, "scale": self.scale}))
            for name in due:
                conn.exec_driver_sql(f'ANALYZE "{name}"')
                self.analysed[name] = self.analysed.get(name, 0) + 1
        return due

    def summary(self) -> str:
        """One line for the report."""
        if not self.active:
            return ""
        done = ", ".join(f"{name} {count}" for name, count in sorted(self.analysed.items()))
        return (
            "  this PostgreSQL runs with autovacuum off: the benchmark analysed each table when "
            f"autovacuum would ({self.threshold} rows + {self.scale:.0%} changed): "
            f"{done or 'none'}"
        )
