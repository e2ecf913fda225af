"""REST endpoints of the lineage side: validate, call one selector or service, serialize."""
from rest_framework import generics, serializers

from .models import Dataset


class DatasetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dataset
        fields = ["id", "key", "platform", "database", "schema", "name", "kind", "object_id"]


class DatasetList(generics.ListAPIView):
    """Datasets known to the catalog."""

    queryset = Dataset.objects.all()
    serializer_class = DatasetSerializer
