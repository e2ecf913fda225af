"""REST endpoints of the lineage side: validate, call one selector or service, serialize."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import presenters, selectors
from .models import Backfill, Dataset


class DatasetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dataset
        fields = ["id", "key", "platform", "database", "schema", "name", "kind", "object_id"]


class DatasetDetailSerializer(DatasetSerializer):
    """A dataset with its columns, for clients that show one dataset."""

    columns = serializers.SerializerMethodField()

    class Meta(DatasetSerializer.Meta):
        fields = [
            *DatasetSerializer.Meta.fields,
            "description",
            "first_seen",
            "last_seen",
            "columns",
        ]

    def get_columns(self, dataset: Dataset) -> list[dict]:
        return [
            {"key": c.key, "name": c.name, "data_type": c.data_type, "ordinal": c.ordinal}
            for c in selectors.dataset_columns(dataset=dataset)
        ]


@extend_schema_view(
    list=extend_schema(description="Datasets known to the catalog."),
    retrieve=extend_schema(description="One catalog dataset with its columns."),
)
class DatasetViewSet(viewsets.ReadOnlyModelViewSet):
    """Datasets known to the catalog; one of them with its columns."""

    queryset = Dataset.objects.all()
    lookup_value_converter = "int"

    def get_serializer_class(self) -> type[DatasetSerializer]:
        return DatasetDetailSerializer if self.action == "retrieve" else DatasetSerializer


class LineageQuerySerializer(serializers.Serializer):
    """Which neighbourhood to draw: the same parameters as the lineage page."""

    key = serializers.CharField(
        max_length=700, help_text="Dataset key, e.g. snowflake://db.schema.table"
    )
    depth = serializers.IntegerField(min_value=1, max_value=selectors.LINEAGE_MAX_DEPTH, default=1)
    direction = serializers.ChoiceField(["both", "upstream", "downstream"], default="both")
    level = serializers.ChoiceField(["dataset", "column"], default="dataset")
    as_of = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="YYYY-MM-DD: lineage as it was at the end of that day (not in the future)",
    )

    def validate_as_of(self, value):
        refusal = selectors.as_of_refusal(value)
        if refusal:
            raise serializers.ValidationError(refusal)
        return value


class LineageGraphSerializer(serializers.Serializer):
    center = serializers.CharField()
    truncated = serializers.BooleanField()
    left_out = serializers.IntegerField(
        help_text="Datasets within reach that were not drawn (0 unless truncated)"
    )
    elements = serializers.ListField(
        child=serializers.DictField(), help_text="cytoscape.js elements (nodes, then edges)"
    )


class LineageGraph(APIView):
    """A dataset's lineage neighbourhood as cytoscape.js elements (the lineage pages' data)."""

    @extend_schema(
        parameters=[LineageQuerySerializer],
        responses={
            200: LineageGraphSerializer,
            400: OpenApiResponse(description="Invalid parameters, by field"),
            404: OpenApiResponse(description="No dataset with this key"),
            503: OpenApiResponse(description="The graph store is unavailable"),
        },
    )
    def get(self, request: Request) -> Response:
        query = LineageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # A StoreError becomes a 503 in lineage_portal.api_errors.
        try:
            lineage = selectors.lineage_get(**query.validated_data)
        except selectors.LineageNotFound as exc:
            raise NotFound("No dataset with this key.") from exc
        drawn = {
            "center": lineage.center,
            "truncated": lineage.truncated,
            "left_out": lineage.left_out,
            "elements": presenters.lineage_elements(lineage),
        }
        return Response(LineageGraphSerializer(drawn).data)


class WindowIssueSerializer(serializers.Serializer):
    """A window of a backfill that failed or could not parse some statements, with its run."""

    run = serializers.IntegerField(source="run_id")
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    error = serializers.CharField()
    parse_failures = serializers.IntegerField()
    interrupted = serializers.BooleanField(help_text="The process running it stopped")
    query_ids = serializers.ListField(
        child=serializers.CharField(), help_text="The first statements it could not parse"
    )
    url = serializers.SerializerMethodField()
    window_text = serializers.SerializerMethodField(help_text="e.g. “2026-06-01 09:00 → 10:00”")
    parse_failures_text = serializers.SerializerMethodField(help_text="e.g. “2 parse failures”")

    def get_url(self, issue: selectors.WindowIssue) -> str:
        return presenters.window_issue_words(issue)["url"]

    def get_window_text(self, issue: selectors.WindowIssue) -> str:
        return presenters.window_issue_words(issue)["window_text"]

    def get_parse_failures_text(self, issue: selectors.WindowIssue) -> str:
        return presenters.window_issue_words(issue)["parse_failures_text"]


class ErrorGroupSerializer(serializers.Serializer):
    """Failed windows that failed the same way, with the first and the last of them."""

    error = serializers.CharField()
    count = serializers.IntegerField()
    count_text = serializers.SerializerMethodField(help_text="e.g. “28 windows”")
    first = WindowIssueSerializer()
    last = WindowIssueSerializer()

    def get_count_text(self, group: selectors.ErrorGroup) -> str:
        return f"{group.count:,} window{'s' if group.count != 1 else ''}"


class CompletenessSerializer(serializers.Serializer):
    """Lineage found versus the warehouse's own count of materializing statements."""

    warehouse_statements = serializers.IntegerField()
    with_lineage = serializers.IntegerField()
    excluded = serializers.IntegerField(help_text="Left out on purpose: temporary tables, users")
    missing = serializers.IntegerField()
    percent_missing = serializers.FloatField()
    runs_checked = serializers.IntegerField()
    runs_unchecked = serializers.IntegerField()
    windows_missing = serializers.IntegerField(help_text="Windows not in: failed or not yet run")
    statements_in_missing_windows = serializers.IntegerField(
        help_text="What the warehouse counted in the windows not in (where it answered)"
    )
    complete = serializers.BooleanField()
    summary = serializers.CharField()


class BackfillProgressSerializer(serializers.Serializer):
    """A backfill's progress: windows, rate, time left, and its final counts or failures."""

    id = serializers.IntegerField(source="backfill.pk")
    # "source" and "errors" are fields of the JSON; DRF's own attributes of those names
    # are not used on a read-only serializer.
    source = serializers.CharField(source="backfill.source.name")  # type: ignore[assignment]
    state = serializers.ChoiceField(["queued", "running", "succeeded", "failed", "interrupted"])
    state_label = serializers.SerializerMethodField(
        help_text="The state in words: Queued, Running, Done, Failed, Interrupted"
    )
    finished = serializers.BooleanField()
    percent = serializers.FloatField()
    windows_total = serializers.IntegerField()
    windows_done = serializers.IntegerField()
    windows_succeeded = serializers.IntegerField()
    windows_failed = serializers.IntegerField(help_text="Failed for good, interrupted included")
    windows_interrupted = serializers.IntegerField()
    windows_running = serializers.IntegerField()
    windows_queued = serializers.IntegerField()
    rows_read = serializers.IntegerField()
    rows_per_second = serializers.FloatField()
    eta_seconds = serializers.IntegerField(allow_null=True, help_text="None until a window is done")
    window_states_text = serializers.SerializerMethodField(
        help_text="e.g. “2 running · 85 queued · 1 failed”"
    )
    eta_text = serializers.SerializerMethodField(help_text="Time left in words, e.g. “about 4 min”")
    statements_kept = serializers.IntegerField()
    statements_filtered = serializers.IntegerField()
    edges_written = serializers.IntegerField()
    parse_failures = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    errors = WindowIssueSerializer(many=True, help_text="Failed windows and why")  # type: ignore[assignment]
    error_groups = ErrorGroupSerializer(
        many=True, help_text="Every failed window, grouped by its error, most windows first"
    )
    parse_failure_windows = WindowIssueSerializer(many=True)
    completeness = CompletenessSerializer(allow_null=True)
    retry_refusal = serializers.CharField(allow_null=True)
    words = serializers.SerializerMethodField(
        help_text="What the progress panel shows, by data-field, worded on the server"
    )

    def get_words(self, progress: selectors.BackfillProgress) -> dict[str, str]:
        return presenters.backfill_words(progress)

    def get_state_label(self, progress: selectors.BackfillProgress) -> str:
        return presenters.backfill_words(progress)["state_label"]

    def get_window_states_text(self, progress: selectors.BackfillProgress) -> str:
        return presenters.window_states_text(progress)

    def get_eta_text(self, progress: selectors.BackfillProgress) -> str:
        return presenters.eta_text(progress)


class BackfillProgressView(APIView):
    """A backfill's progress, polled by its page every few seconds while it runs."""

    @extend_schema(
        responses={
            200: BackfillProgressSerializer,
            404: OpenApiResponse(description="No backfill with this id"),
        }
    )
    def get(self, request: Request, pk: int) -> Response:
        try:
            backfill = selectors.backfill_get(pk=pk)
        except Backfill.DoesNotExist as exc:
            raise NotFound("No backfill with this id.") from exc
        progress = selectors.backfill_progress(backfill=backfill)
        return Response(BackfillProgressSerializer(progress).data)
