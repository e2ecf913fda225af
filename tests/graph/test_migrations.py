"""The graph app's migrations: the catalog search indexes belong to the table they index."""

from django.db import connection


def test_catalog_search_indexes_are_graphs_own(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'graph_dataset'"
            " AND indexdef LIKE '%%gin_trgm_ops%%' ORDER BY indexname"
        )
        indexes = dict(cursor.fetchall())
    assert sorted(indexes) == ["graph_dataset_key_trgm", "graph_dataset_name_trgm"]
    assert "upper((key)::text)" in indexes["graph_dataset_key_trgm"]
    assert "upper((name)::text)" in indexes["graph_dataset_name_trgm"]
