"""Lineage-side records in the relational database.

* Catalog identity: every dataset and column the ingestion has seen. Governance attaches
  classifications to these rows and never duplicates their identity.
* Sources and ingestion runs, with their watermarks.
* The embedded graph store's tables (``Store*``), used when no Neo4j is configured.
"""

from django.conf import settings
from django.db import models
from django.db.models import F


class Dataset(models.Model):
    """A table, view or file in a warehouse, identified by its normalized key."""

    key = models.CharField(max_length=512, unique=True)
    platform = models.CharField(max_length=64)
    database = models.CharField(max_length=255, blank=True)
    schema = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=32, default="table")
    object_id = models.CharField(max_length=128, blank=True, db_index=True)
    description = models.TextField(blank=True)
    # Owners as a producer reports them (OpenLineage's ownership facet): [{"name", "type"}].
    # Not the steward: governance decides who answers for a dataset.
    owners = models.JSONField(default=list, blank=True)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["platform", "schema"])]

    def __str__(self) -> str:
        return self.qualified_name

    @property
    def qualified_name(self) -> str:
        return ".".join(part for part in (self.database, self.schema, self.name) if part)


class Column(models.Model):
    """A column of a catalog dataset."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="columns")
    key = models.CharField(max_length=700, unique=True)
    name = models.CharField(max_length=255)
    data_type = models.CharField(max_length=128, blank=True)
    # Position in the table; None when nobody who knows the table said (documented only).
    ordinal = models.PositiveIntegerField(default=0, null=True, blank=True)
    # Only documentation names it (a dbt schema.yml): the warehouse may not have it.
    documented_only = models.BooleanField(default=False)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["dataset", F("ordinal").asc(nulls_last=True), "name"]

    def __str__(self) -> str:
        return f"{self.dataset.qualified_name}.{self.name}"


class Source(models.Model):
    """A place lineage comes from: a warehouse account, a dbt project, an OpenLineage feed."""

    class Kind(models.TextChoices):
        SNOWFLAKE = "snowflake", "Snowflake"
        POSTGRES = "postgres", "Postgres"
        DBT = "dbt", "dbt"
        OPENLINEAGE = "openlineage", "OpenLineage"

    name = models.CharField(max_length=128, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    # Non-secret connection details; passwords stay in the environment.
    options = models.JSONField(default=dict, blank=True)
    watermark = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class IngestionRun(models.Model):
    """One window of one source, fetched, parsed and merged; the unit of progress and retry.

    An unfinished run is held under a lease: whoever runs it (a Celery task, or the
    ``manage.py ingest`` process) renews ``lease_expires_at`` with heartbeats, and a run
    whose lease ran out is swept (``graph.ingestion.sweep``): queued again, or failed as
    interrupted (``interrupted``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Executor(models.TextChoices):
        CELERY = "celery", "Celery worker"
        PROCESS = "process", "manage.py ingest process"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    backfill = models.ForeignKey(
        "Backfill", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    statements_kept = models.PositiveIntegerField(default=0)
    statements_filtered = models.PositiveIntegerField(default=0)
    cache_hits = models.PositiveIntegerField(default=0)
    parse_failures = models.PositiveIntegerField(default=0)
    datasets_written = models.PositiveIntegerField(default=0)
    edges_written = models.PositiveIntegerField(default=0)
    reads_written = models.PositiveIntegerField(default=0)
    # Completeness: the warehouse's own count of successful materializing statements in the
    # window (None: not checked), and how many of those this run accounted for.
    warehouse_statements = models.PositiveIntegerField(null=True, blank=True)
    statements_with_lineage = models.PositiveIntegerField(default=0)
    statements_excluded = models.PositiveIntegerField(default=0)  # temp tables, excluded users
    # Understood only in part: tables and the resolvable column edges kept, the rest warned.
    statements_partial = models.PositiveIntegerField(default=0)
    duration_seconds = models.FloatField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Who runs it: a Celery task (its message may be sent again) or an ingest process.
    executor = models.CharField(max_length=16, choices=Executor.choices, default=Executor.CELERY)
    lease_owner = models.CharField(max_length=200, blank=True)  # task id or process token
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The last attempt ended because the process running it stopped (killed, lost, crashed).
    interrupted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-window_start"]
        indexes = [
            models.Index(fields=["source", "window_start"]),
            models.Index(fields=["status", "lease_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source.name} {self.window_start:%Y-%m-%d %H:%M} {self.status}"

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.duration_seconds if self.duration_seconds else 0.0


class ParseFailure(models.Model):
    """A statement of a run that could not be turned into lineage, with the reason."""

    run = models.ForeignKey(IngestionRun, on_delete=models.CASCADE, related_name="failures")
    query_id = models.CharField(max_length=128, blank=True)
    statement = models.TextField()
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self.query_id}: {self.reason[:60]}"


class Backfill(models.Model):
    """A historical load split into windows, each its own task; progress is windows done."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="backfills")
    start = models.DateTimeField()
    end = models.DateTimeField()
    windows_total = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.source.name} {self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"


class OpenLineageRun(models.Model):
    """One OpenLineage run, as its events have told it so far (merged by ``runId``).

    Producers spread a run over START, RUNNING and COMPLETE/FAIL/ABORT events, in any order
    and with facets anywhere; the lineage written is always that of the merged state
    (``graph.sources.openlineage.runstate``).
    """

    run_id = models.CharField(max_length=36, unique=True)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="openlineage_runs")
    job = models.CharField(max_length=512)
    job_version = models.CharField(max_length=128, blank=True)
    producer = models.CharField(max_length=1024, blank=True)  # the last event's producer URI
    state = models.CharField(max_length=16)  # START | RUNNING | COMPLETE | FAIL | ABORT | OTHER
    state_time = models.DateTimeField()  # when the event that set the state happened
    started_at = models.DateTimeField()  # the earliest event time of the run
    # Everything the events said, merged (graph.sources.openlineage.runstate.RunState).
    merged = models.JSONField(default=dict)
    written = models.JSONField(default=list)  # [upstream, downstream] pairs this run observed
    events = models.PositiveIntegerField(default=0)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-state_time"]

    def __str__(self) -> str:
        return f"{self.job} {self.run_id} {self.state}"


class OpenLineageEvent(models.Model):
    """One event posted to ``/api/v1/lineage``: who posted it, and what became of it."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted"
        REFUSED = "refused"
        QUEUED = "queued"
        FAILED = "failed"  # accepted, queued, and then could not be recorded

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="openlineage_events")
    received = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.TextField(blank=True)  # why it was refused or failed
    kind = models.CharField(max_length=16, blank=True)  # run | dataset | job
    event_type = models.CharField(max_length=16, blank=True)
    event_time = models.DateTimeField(null=True, blank=True)
    run_id = models.CharField(max_length=36, blank=True, db_index=True)
    job = models.CharField(max_length=512, blank=True)
    producer = models.CharField(max_length=1024, blank=True)  # the event's producer URI
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    auth = models.CharField(max_length=16, blank=True)  # token | session
    datasets = models.PositiveIntegerField(default=0)
    dataset_edges = models.PositiveIntegerField(default=0)
    column_edges = models.PositiveIntegerField(default=0)
    body = models.JSONField(null=True, blank=True)  # kept only while queued

    class Meta:
        ordering = ["-received", "-id"]
        indexes = [models.Index(fields=["source", "status", "received"])]

    def __str__(self) -> str:
        return f"{self.received:%Y-%m-%d %H:%M} {self.kind} {self.event_type} {self.status}"


# --- Embedded graph store ------------------------------------------------------
# Keys rather than foreign keys: recursive CTEs walk these tables by key, exactly as the
# Neo4j backend walks relationships, and a rename updates keys in one place.


class StoreNode(models.Model):
    """A dataset or column node of the embedded graph store."""

    key = models.CharField(max_length=700, unique=True)
    label = models.CharField(max_length=16)  # Dataset | Column
    name = models.CharField(max_length=512)
    platform = models.CharField(max_length=64, blank=True)
    dataset_key = models.CharField(max_length=512, blank=True, db_index=True)
    kind = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=128, blank=True, db_index=True)
    first_seen = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "graph_store_node"

    def __str__(self) -> str:
        return self.key


class StoreAlias(models.Model):
    """A former key of a renamed dataset or column, pointing at its current key."""

    old_key = models.CharField(max_length=700, unique=True)
    key = models.CharField(max_length=700, db_index=True)

    class Meta:
        db_table = "graph_store_alias"

    def __str__(self) -> str:
        return f"{self.old_key} -> {self.key}"


class StoreEdge(models.Model):
    """A FEEDS edge of the embedded graph store, upstream → downstream."""

    upstream = models.CharField(max_length=700)
    downstream = models.CharField(max_length=700, db_index=True)
    level = models.CharField(max_length=8)  # dataset | column
    transformation_type = models.CharField(max_length=64)
    # NULL, not "", mirrors a missing property on a Neo4j edge: both backends answer alike.
    query_id = models.CharField(max_length=128, blank=True, null=True)  # noqa: DJ001
    job = models.CharField(max_length=512, blank=True, null=True)  # noqa: DJ001
    job_version = models.CharField(max_length=128, blank=True, null=True)  # noqa: DJ001
    execution_status = models.CharField(max_length=32, default="SUCCESS")
    masking = models.CharField(max_length=16, default="identity")
    # OpenLineage's vocabulary on column edges; NULL where no producer said (see base.py).
    flow_type = models.CharField(max_length=8, blank=True, null=True)  # noqa: DJ001
    subtype = models.CharField(max_length=16, blank=True, null=True)  # noqa: DJ001
    masked = models.BooleanField(null=True, blank=True)
    description = models.CharField(max_length=512, blank=True, null=True)  # noqa: DJ001
    # Whose word the edge is (warehouse, dbt, openlineage), and the latest word of a lower
    # origin beside it: see graph/store/base.py for how origins rank.
    origin = models.CharField(max_length=16, default="warehouse")
    claim_origin = models.CharField(max_length=16, blank=True, null=True)  # noqa: DJ001
    claim_masking = models.CharField(max_length=16, blank=True, null=True)  # noqa: DJ001
    claim_masked = models.BooleanField(null=True, blank=True)
    claim_status = models.CharField(max_length=32, blank=True, null=True)  # noqa: DJ001
    claim_job = models.CharField(max_length=512, blank=True, null=True)  # noqa: DJ001
    claim_query_id = models.CharField(max_length=128, blank=True, null=True)  # noqa: DJ001
    claim_seen = models.DateTimeField(null=True, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    run_count = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "graph_store_edge"
        constraints = [
            models.UniqueConstraint(fields=["upstream", "downstream"], name="store_edge_unique")
        ]

    def __str__(self) -> str:
        return f"{self.upstream} -> {self.downstream}"


class StoreRead(models.Model):
    """A READ edge: a principal read a dataset."""

    principal = models.CharField(max_length=255)
    principal_kind = models.CharField(max_length=8)
    dataset_key = models.CharField(max_length=512, db_index=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "graph_store_read"
        constraints = [
            models.UniqueConstraint(fields=["principal", "dataset_key"], name="store_read_unique")
        ]

    def __str__(self) -> str:
        return f"{self.principal} read {self.dataset_key}"


class StoreGrant(models.Model):
    """A GRANTED edge: a principal holds a privilege on a dataset (current state, not history)."""

    principal = models.CharField(max_length=255)
    principal_kind = models.CharField(max_length=8)
    dataset_key = models.CharField(max_length=512, db_index=True)
    privilege = models.CharField(max_length=64)
    granted_on = models.CharField(max_length=32, blank=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    # NULL when the warehouse does not say (e.g. grants made by the system).
    granted_by = models.CharField(max_length=255, blank=True, null=True)  # noqa: DJ001

    class Meta:
        db_table = "graph_store_grant"
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "dataset_key", "privilege"], name="store_grant_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.privilege} on {self.dataset_key}"


class StoreMembership(models.Model):
    """A MEMBER_OF edge: ``member`` was granted ``role`` and holds its privileges."""

    member = models.CharField(max_length=255)
    member_kind = models.CharField(max_length=8)
    role = models.CharField(max_length=255, db_index=True)
    granted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "graph_store_membership"
        constraints = [
            models.UniqueConstraint(fields=["member", "role"], name="store_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member} member of {self.role}"


class StoreIngestState(models.Model):
    """Ingestion's ledger for one scope (a source), kept and cleared with the embedded graph."""

    scope = models.CharField(max_length=255, unique=True)
    state = models.JSONField(default=dict)

    class Meta:
        db_table = "graph_store_ingest_state"

    def __str__(self) -> str:
        return self.scope
