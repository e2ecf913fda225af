"""The Cypher of the Neo4j graph store.

Every value travels as a ``$parameter``. The only text spliced into a query is chosen in
code: a label from :data:`LABELS`, an arrow for a direction, and a variable-length bound
that :func:`check_depth` has validated (Cypher cannot take that bound as a parameter).
"""

from __future__ import annotations

from ..base import check_depth
from ..common import CLAIM_FIELDS, origin_rank_cases

LABELS = {"dataset": "Dataset", "column": "Column"}
ANY_NODE = "Dataset|Column"

# (kind, name in Neo4j, name in ``graph.indexes``, statement). The key constraints are what
# MERGE relies on for one node per key, so they are created whatever the config lists.
SCHEMA = (
    (
        "constraint",
        "lineage_dataset_key",
        "dataset_key",
        "CREATE CONSTRAINT lineage_dataset_key IF NOT EXISTS "
        "FOR (d:Dataset) REQUIRE d.key IS UNIQUE",
    ),
    (
        "constraint",
        "lineage_column_key",
        "column_key",
        "CREATE CONSTRAINT lineage_column_key IF NOT EXISTS FOR (c:Column) REQUIRE c.key IS UNIQUE",
    ),
    (
        "constraint",
        "lineage_principal_name",
        "principal_name",
        "CREATE CONSTRAINT lineage_principal_name IF NOT EXISTS "
        "FOR (p:Principal) REQUIRE p.name IS UNIQUE",
    ),
    (
        "constraint",
        "lineage_alias_key",
        "alias_key",
        "CREATE CONSTRAINT lineage_alias_key IF NOT EXISTS FOR (a:Alias) REQUIRE a.key IS UNIQUE",
    ),
    (
        "index",
        "lineage_dataset_object_id",
        "dataset_object_id",
        "CREATE INDEX lineage_dataset_object_id IF NOT EXISTS FOR (d:Dataset) ON (d.object_id)",
    ),
    (
        "index",
        "lineage_column_dataset_key",
        "column_dataset_key",
        "CREATE INDEX lineage_column_dataset_key IF NOT EXISTS FOR (c:Column) ON (c.dataset_key)",
    ),
    (
        "index",
        "lineage_alias_target",
        "alias_target",
        "CREATE INDEX lineage_alias_target IF NOT EXISTS FOR (a:Alias) ON (a.target)",
    ),
    (
        "constraint",
        "lineage_ingest_state_scope",
        "ingest_state_scope",
        "CREATE CONSTRAINT lineage_ingest_state_scope IF NOT EXISTS "
        "FOR (s:IngestState) REQUIRE s.scope IS UNIQUE",
    ),
)
SCHEMA_NAMES = tuple(item[2] for item in SCHEMA)
REQUIRED_SCHEMA = frozenset(item[2] for item in SCHEMA if item[0] == "constraint")

SET_MISSING_ORIGINS = """
MATCH ()-[e:FEEDS]->() WHERE e.origin IS NULL
SET e.origin = CASE WHEN e.transformation_type = 'OPENLINEAGE_JOB' THEN 'openlineage'
                    WHEN e.transformation_type STARTS WITH 'DBT_' THEN 'dbt'
                    ELSE 'warehouse' END
"""

CLEAR_SOME = (
    "MATCH (n) WHERE n:Dataset OR n:Column OR n:Principal OR n:Alias OR n:IngestState "
    "WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted"
)

INGEST_STATE = "MATCH (s:IngestState {scope: $scope}) RETURN s.state AS state"
INGEST_STATE_SAVE = "MERGE (s:IngestState {scope: $scope}) SET s.state = $state"

# --- writes -----------------------------------------------------------------------

# Rows carry their times as ISO-8601 text, stored as DateTime: the driver's own
# datetime conversion is pure Python and costs more than the whole merge on the server.
_UNWIND_TIMED = (
    "UNWIND $rows AS r\n"
    "WITH r {.*, first_seen: datetime(r.first_seen), last_seen: datetime(r.last_seen)} AS row"
)

MERGE_DATASETS = (
    _UNWIND_TIMED
    + """
MERGE (d:Dataset {key: row.key})
  ON CREATE SET d.platform = row.platform, d.name = row.name, d.kind = row.kind
  ON MATCH SET d.platform = CASE WHEN row.keep_identity THEN d.platform ELSE row.platform END,
               d.name = CASE WHEN row.keep_identity THEN d.name ELSE row.name END,
               d.kind = CASE WHEN row.keep_identity THEN d.kind ELSE row.kind END
SET d.object_id = coalesce(row.object_id, d.object_id),
    d.first_seen = CASE WHEN row.first_seen IS NOT NULL
                        AND (d.first_seen IS NULL OR row.first_seen < d.first_seen)
                   THEN row.first_seen ELSE d.first_seen END
"""
)

# Datasets only named by an edge, a column or a read: created bare, never overwritten.
ENSURE_DATASETS = """
UNWIND $rows AS row
MERGE (d:Dataset {key: row.key})
  ON CREATE SET d.platform = row.platform, d.name = row.name, d.kind = row.kind
"""

_COLUMNS = """
UNWIND $rows AS row
MATCH (d:Dataset {key: row.dataset_key})
MERGE (c:Column {key: row.key})
  ON CREATE SET c.dataset_key = row.dataset_key, c.name = row.name
%s
MERGE (d)-[:HAS_COLUMN]->(c)
"""
MERGE_COLUMNS = _COLUMNS % "SET c.name = row.name"
ENSURE_COLUMNS = _COLUMNS % ""

_LATEST_WINS = (
    "transformation_type",
    "query_id",
    "job",
    "job_version",
    "execution_status",
    "masking",
    "flow_type",
    "subtype",
    "masked",
    "description",
)


def merge_edges(level: str) -> str:
    """Merge FEEDS observations between two nodes of ``level``, by origin rank.

    Same origin: run_count and times as always (an ``additive`` row always adds its
    run_count), the latest observation sets the fields. A higher origin takes the edge
    over and the stored fields become the other claim; a lower one only becomes the other
    claim (see ``graph.store.base``).

    The ranks and every condition are worked out once per row, before any SET: SET
    assignments apply in order, and each CASE repeated per property cost more than the
    MERGE itself. An edge just created has no ``last_seen`` yet: it takes the row whole.
    """
    label = LABELS[level]
    old = origin_rank_cases("coalesce(e.origin, 'warehouse')")
    claims = ",\n    ".join(
        f"e.claim_{name} = CASE WHEN from_edge THEN e.{field} "
        f"WHEN from_row THEN row.{field} ELSE e.claim_{name} END"
        for name, field in (*CLAIM_FIELDS, ("seen", "last_seen"))
    )
    own = ",\n    ".join(
        f"e.{f} = CASE WHEN takes OR later THEN row.{f} ELSE e.{f} END" for f in _LATEST_WINS
    )
    return f"""
UNWIND $rows AS r
WITH r {{.*, first_seen: datetime(r.first_seen), last_seen: datetime(r.last_seen)}} AS row,
     {origin_rank_cases("r.origin")} AS new
MATCH (u:{label} {{key: row.upstream}})
MATCH (d:{label} {{key: row.downstream}})
MERGE (u)-[e:FEEDS]->(d)
WITH row, e, e.last_seen IS NULL AS created, new, {old} AS old
WITH row, e, created, created OR new > old AS takes, NOT created AND new = old AS same,
     NOT created AND new > old AND (e.claim_seen IS NULL OR e.last_seen > e.claim_seen)
       AS from_edge,
     NOT created AND new < old AND (e.claim_seen IS NULL OR row.last_seen > e.claim_seen)
       AS from_row
WITH row, e, takes, from_edge, from_row,
     same AND row.first_seen < e.first_seen AS earlier, same AND row.last_seen > e.last_seen AS later,
     same AND row.additive AS adds
SET {claims},
    e.level = row.level,
    e.run_count = CASE WHEN takes THEN row.run_count
                  WHEN adds OR earlier OR later THEN e.run_count + row.run_count
                  ELSE e.run_count END,
    {own},
    e.first_seen = CASE WHEN takes OR earlier THEN row.first_seen ELSE e.first_seen END,
    e.last_seen = CASE WHEN takes OR later THEN row.last_seen ELSE e.last_seen END,
    e.origin = CASE WHEN takes THEN row.origin ELSE coalesce(e.origin, 'warehouse') END
"""


MERGE_READS = (
    _UNWIND_TIMED
    + """
MATCH (d:Dataset {key: row.dataset_key})
MERGE (p:Principal {name: row.principal})
  ON CREATE SET p.kind = row.principal_kind
MERGE (p)-[r:READ]->(d)
  ON CREATE SET r.first_seen = row.first_seen, r.last_seen = row.last_seen, r.count = row.count
  ON MATCH SET
    r.count = CASE WHEN row.additive OR row.first_seen < r.first_seen
                        OR row.last_seen > r.last_seen
              THEN r.count + row.count ELSE r.count END,
    p.kind = CASE WHEN row.last_seen > r.last_seen THEN row.principal_kind ELSE p.kind END,
    r.first_seen = CASE WHEN row.first_seen < r.first_seen THEN row.first_seen ELSE r.first_seen END,
    r.last_seen = CASE WHEN row.last_seen > r.last_seen THEN row.last_seen ELSE r.last_seen END
"""
)

# --- grants and role memberships (current state) ---------------------------------------

_AT = "CASE WHEN row.granted_at IS NULL THEN null ELSE datetime(row.granted_at) END"
_GRANTS = f"""
UNWIND $rows AS row
MATCH (d:Dataset {{key: row.dataset_key}})
MERGE (p:Principal {{name: row.principal}})
  ON CREATE SET p.kind = row.principal_kind
MERGE (p)-[g:GRANTED {{privilege: row.privilege}}]->(d)
%s g.principal_kind = row.principal_kind, g.granted_on = row.granted_on,
    g.granted_by = row.granted_by, g.granted_at = {_AT}
"""
MERGE_GRANTS = _GRANTS % "SET"
ADD_GRANTS = _GRANTS % "ON CREATE SET"  # a fold: the surviving dataset's own grants win
GRANT_KEYS = """
MATCH (p:Principal)-[g:GRANTED]->(d:Dataset)
WHERE g.principal_kind = $kind AND ($prefix IS NULL OR d.key STARTS WITH $prefix)
RETURN p.name AS principal, d.key AS dataset_key, g.privilege AS privilege
"""
DELETE_GRANTS = """
UNWIND $rows AS row
MATCH (:Principal {name: row.principal})-[g:GRANTED {privilege: row.privilege}]->
      (:Dataset {key: row.dataset_key})
DELETE g
"""
GRANTS_ON = """
MATCH (p:Principal)-[g:GRANTED]->(:Dataset {key: $key})
RETURN p.name AS principal, g.principal_kind AS principal_kind, g.privilege AS privilege,
       g.granted_on AS granted_on, g.granted_at AS granted_at, g.granted_by AS granted_by
"""
GRANTS_ON_ANY = """
UNWIND $keys AS key
MATCH (p:Principal)-[g:GRANTED]->(:Dataset {key: key})
RETURN key, p.name AS principal, g.principal_kind AS principal_kind, g.privilege AS privilege,
       g.granted_on AS granted_on, g.granted_at AS granted_at, g.granted_by AS granted_by
"""
MERGE_MEMBERSHIPS = f"""
UNWIND $rows AS row
MERGE (m:Principal {{name: row.member}})
  ON CREATE SET m.kind = row.member_kind
MERGE (r:Principal {{name: row.role}})
  ON CREATE SET r.kind = 'role'
MERGE (m)-[e:MEMBER_OF]->(r)
SET e.member_kind = row.member_kind, e.granted_at = {_AT}
"""
MEMBERSHIP_KEYS = """
MATCH (m:Principal)-[e:MEMBER_OF]->(r:Principal)
WHERE e.member_kind = $kind
RETURN m.name AS member, r.name AS role
"""
DELETE_MEMBERSHIPS = """
UNWIND $rows AS row
MATCH (:Principal {name: row.member})-[e:MEMBER_OF]->(:Principal {name: row.role})
DELETE e
"""
MEMBERS_OF = """
UNWIND $roles AS role
MATCH (m:Principal)-[e:MEMBER_OF]->(:Principal {name: role})
RETURN m.name AS member, e.member_kind AS member_kind, role
"""
# A principal left with no read, grant or membership is gone, as in the embedded store.
DROP_LONE_PRINCIPALS = "MATCH (p:Principal) WHERE NOT (p)--() DELETE p"

# --- aliases and renames ---------------------------------------------------------------

LOOKUP_ALIASES = "UNWIND $keys AS k MATCH (a:Alias {key: k}) RETURN a.key AS old, a.target AS new"
REPOINT_ALIASES = "UNWIND $moves AS m MATCH (a:Alias {target: m.old}) SET a.target = m.new"
DROP_ALIASES = "UNWIND $keys AS k MATCH (a:Alias {key: k}) DELETE a"
ADD_ALIASES = "UNWIND $moves AS m MERGE (a:Alias {key: m.old}) SET a.target = m.new"

DATASET_WITH_COLUMNS = """
MATCH (d:Dataset {key: $key})
OPTIONAL MATCH (d)-[:HAS_COLUMN]->(c:Column)
RETURN d {.*} AS dataset, collect(c {.key, .name}) AS columns
"""
RENAME_DATASET = "MATCH (d:Dataset {key: $key}) SET d.name = $name"
MOVE_DATASET = """
MATCH (d:Dataset {key: $old})
SET d.key = $new, d.name = $name
WITH d
MATCH (d)-[:HAS_COLUMN]->(c:Column)
SET c.key = $new + substring(c.key, size($old)), c.dataset_key = $new
"""
ABSORB_DATASET = """
MATCH (d:Dataset {key: $key})
SET d.name = coalesce($name, d.name),
    d.object_id = coalesce(d.object_id, $object_id),
    d.kind = CASE WHEN d.kind IS NULL OR d.kind = 'unknown' THEN $kind ELSE d.kind END,
    d.first_seen = CASE WHEN $first_seen IS NOT NULL
                        AND (d.first_seen IS NULL OR $first_seen < d.first_seen)
                   THEN $first_seen ELSE d.first_seen END
"""
DETACH_DELETE_KEYS = "UNWIND $keys AS k MATCH (n:Dataset|Column {key: k}) DETACH DELETE n"

# --- reads -----------------------------------------------------------------------------

EXISTS = """
MATCH (n:Dataset|Column {key: $key})
WHERE $as_of IS NULL OR n.first_seen IS NULL OR n.first_seen <= $as_of
RETURN labels(n) AS labels
"""
GET_DATASET = "MATCH (d:Dataset {key: $key}) RETURN d {.*} AS node"
NODES = (
    "UNWIND $keys AS k MATCH (n:Dataset|Column {key: k}) RETURN n {.*} AS node, labels(n) AS labels"
)
EDGE_MAP = "e {.*, upstream: startNode(e).key, downstream: endNode(e).key}"
# as_of on one edge: seen by then, between two nodes that existed then.
EDGE_AS_OF = """($as_of IS NULL OR (e.first_seen <= $as_of
  AND (startNode(e).first_seen IS NULL OR startNode(e).first_seen <= $as_of)
  AND (endNode(e).first_seen IS NULL OR endNode(e).first_seen <= $as_of)))"""
EDGES_OF = f"""
UNWIND $keys AS k
MATCH (n:Dataset|Column {{key: k}})-[e:FEEDS]-()
WHERE {EDGE_AS_OF}
RETURN DISTINCT {EDGE_MAP} AS edge
"""
# One label per query, so each key is an index seek (a label disjunction may scan).
_EDGES_AT = """
UNWIND $keys AS k
MATCH %s
WHERE %s
RETURN %s AS edge
"""
EDGES_FROM = {
    level: _EDGES_AT % (f"(:{label} {{key: k}})-[e:FEEDS]->()", EDGE_AS_OF, EDGE_MAP)
    for level, label in (("column", "Column"), ("dataset", "Dataset"))
}
EDGES_TO = {
    level: _EDGES_AT % (f"()-[e:FEEDS]->(:{label} {{key: k}})", EDGE_AS_OF, EDGE_MAP)
    for level, label in (("column", "Column"), ("dataset", "Dataset"))
}
EDGES_AMONG = f"""
MATCH (u:Dataset|Column)-[e:FEEDS]->(d:Dataset|Column)
WHERE u.key IN $keys AND d.key IN $keys AND {EDGE_AS_OF}
RETURN {EDGE_MAP} AS edge
"""
COLUMNS_OF = """
UNWIND $keys AS k
MATCH (:Dataset {key: k})-[:HAS_COLUMN]->(c:Column)
RETURN c {.*} AS node, labels(c) AS labels ORDER BY c.key
"""
COLUMN_EDGES_AMONG = f"""
MATCH (a:Dataset)-[:HAS_COLUMN]->(:Column)-[e:FEEDS]->(:Column)<-[:HAS_COLUMN]-(b:Dataset)
WHERE a.key IN $keys AND b.key IN $keys AND {EDGE_AS_OF}
RETURN {EDGE_MAP} AS edge
"""
READERS = """
MATCH (p:Principal)-[r:READ]->(:Dataset {key: $key})
RETURN p.name AS principal, p.kind AS principal_kind, r.first_seen AS first_seen,
       r.last_seen AS last_seen, r.count AS count
ORDER BY r.last_seen DESC, p.name
"""
READERS_OF = """
UNWIND $keys AS key
MATCH (p:Principal)-[r:READ]->(:Dataset {key: key})
RETURN key, p.name AS principal, p.kind AS principal_kind, r.first_seen AS first_seen,
       r.last_seen AS last_seen, r.count AS count
"""
COUNTS = """
CALL () { MATCH (n:Dataset) RETURN count(n) AS datasets }
CALL () { MATCH (n:Column) RETURN count(n) AS columns }
CALL () { MATCH (:Dataset)-[e:FEEDS]->() RETURN count(e) AS dataset_edges }
CALL () { MATCH (:Column)-[e:FEEDS]->() RETURN count(e) AS column_edges }
CALL () { MATCH (n:Principal) RETURN count(n) AS principals }
CALL () { MATCH ()-[r:READ]->() RETURN count(r) AS reads }
CALL () { MATCH ()-[g:GRANTED]->() RETURN count(g) AS grants }
RETURN datasets, columns, dataset_edges, column_edges, principals, reads, grants
"""

# as_of on a whole path. Only spliced in when an as_of is given: wrapped in
# "$as_of IS NULL OR …" the planner can no longer prune the breadth-first expand.
_AS_OF_PATH = """
  AND all(r IN relationships(p) WHERE r.first_seen <= $as_of)
  AND all(x IN nodes(p) WHERE x.first_seen IS NULL OR x.first_seen <= $as_of)"""


def walk(direction: str, depth: int, *, dated: bool, limited: bool = False) -> str:
    """Every node ``direction`` of each start key, at its shortest distance, nearest first.

    Neo4j plans this as a pruning breadth-first expand (``VarLengthExpand(Pruning,BFS)``),
    so diamonds do not multiply paths. ``dated`` filters by ``$as_of``; ``limited`` keeps
    the first ``$limit`` rows.
    """
    arrow = "-[:FEEDS*1..{d}]->" if direction == "downstream" else "<-[:FEEDS*1..{d}]-"
    pattern = arrow.format(d=check_depth(depth))
    return f"""
UNWIND $keys AS k
MATCH (s:{ANY_NODE} {{key: k}})
MATCH p = (s){pattern}(n)
WHERE n <> s{_AS_OF_PATH if dated else ""}
WITH s.key AS origin, n.key AS key, min(length(p)) AS depth
RETURN origin, key, depth ORDER BY origin, depth, key
""" + ("LIMIT $limit" if limited else "")


def paths(depth: int, *, dated: bool) -> str:
    """Every simple path (no node twice) from $source down to $target."""
    return f"""
MATCH (s:{ANY_NODE} {{key: $source}})
MATCH (t:{ANY_NODE} {{key: $target}})
MATCH p = (s)-[:FEEDS*1..{check_depth(depth)}]->(t)
WHERE all(x IN nodes(p) WHERE single(y IN nodes(p) WHERE y = x)){_AS_OF_PATH if dated else ""}
RETURN [r IN relationships(p) | r {{.*, upstream: startNode(r).key, downstream: endNode(r).key}}]
       AS edges
"""
