"""Ingestion: every source's lineage into the graph store and the catalog, on one path.

A warehouse row passes source → filter → parser → assembly once (``window``), dbt
artifacts and OpenLineage events are read by their sources and assembled here (``dbt``,
``openlineage``); all of them leave as a ``merge.LineageBatch`` and enter the store and
the catalog through ``merge.lineage_merge``, the only writer, and close their run with
``merge.run_finish``. Windows, backfills and the sync (``windows``), grants snapshots
(``grants``) and the completeness figure (``completeness``) sit beside it.

Layering: ``graph.sources`` (read, return records) → ``graph.ingestion`` (assemble,
merge, record) → ``graph.tasks`` (Celery) → ``graph.jobs`` (what the pages start). No
arrow points back.
"""

from .filter import QueryFilter
from .merge import LineageBatch, lineage_merge, run_finish
from .window import Progress, ingest_window, run_execute
from .windows import WindowsDone, backfill, run_windows, sync_windows, windows

__all__ = [
    "LineageBatch",
    "Progress",
    "QueryFilter",
    "WindowsDone",
    "backfill",
    "ingest_window",
    "lineage_merge",
    "run_execute",
    "run_finish",
    "run_windows",
    "sync_windows",
    "windows",
]
