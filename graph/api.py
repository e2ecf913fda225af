"""REST endpoints of the lineage side: validate, call one selector or service, serialize."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import Dataset
from .store.base import StoreError


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


class DatasetList(generics.ListAPIView):
    """Datasets known to the catalog."""

    queryset = Dataset.objects.all()
    serializer_class = DatasetSerializer


class DatasetDetail(generics.RetrieveAPIView):
    """One catalog dataset with its columns."""

    queryset = Dataset.objects.all()
    serializer_class = DatasetDetailSerializer


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
        help_text="YYYY-MM-DD: lineage as it was at the end of that day",
    )


class LineageGraphSerializer(serializers.Serializer):
    center = serializers.CharField()
    truncated = serializers.BooleanField()
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
        try:
            lineage = selectors.lineage_get(**query.validated_data)
        except selectors.LineageNotFound:
            return Response(
                {"detail": "No dataset with this key."}, status=status.HTTP_404_NOT_FOUND
            )
        except StoreError as exc:
            return Response(
                {"detail": f"The graph store is unavailable: {exc}"},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(LineageGraphSerializer(lineage).data)
