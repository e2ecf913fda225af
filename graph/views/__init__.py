"""Pages of the lineage side: the dashboard, catalog and lineage (``lineage``), ingestion runs,
backfills and the jobs started from them (``ingestion``)."""
