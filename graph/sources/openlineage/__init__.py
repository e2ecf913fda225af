"""OpenLineage: events pushed by Airflow, dbt, Spark… read as lineage records.

Unlike the warehouse sources this one is pushed, not fetched. ``validation`` says whether
an event can be recorded (every offending field at once), ``naming`` maps namespaces and
names onto our keys, ``mapping`` reads a valid event into datasets, column flows and edge
observations. Recording them is the pipeline's job (``graph.ingestion.openlineage``).
"""
