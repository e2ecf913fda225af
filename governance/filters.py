"""Query-string filters for pages and the API, validated by django-filter, answered by selectors."""

from __future__ import annotations

import django_filters

from graph.models import Dataset

from .models import UNCLASSIFIED, Classification, RegulatoryTag, Steward
from .selectors import REVIEW_STATES, catalog_search


class CatalogSearchFilterSet(django_filters.FilterSet):
    """The catalog search form: ``?q=&tag=&steward=&classification=&platform=&review_state=``.

    The form validates the parameters (unknown tag, steward or level → form errors);
    ``.qs`` is ``selectors.catalog_search`` with the cleaned values, whatever
    ``queryset`` was given. Use ``filterset.is_valid()`` / ``filterset.errors`` as usual.
    """

    q = django_filters.CharFilter(label="Name or key")
    tag = django_filters.ModelChoiceFilter(
        queryset=RegulatoryTag.objects.all(), to_field_name="slug", label="Regulatory tag"
    )
    steward = django_filters.ModelChoiceFilter(queryset=Steward.objects.all())
    classification = django_filters.ChoiceFilter(
        choices=[*Classification.choices, (UNCLASSIFIED, "Unclassified")]
    )
    platform = django_filters.CharFilter()
    review_state = django_filters.ChoiceFilter(
        choices=[(state, state.replace("_", " ")) for state in REVIEW_STATES], label="Review"
    )

    class Meta:
        model = Dataset
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(
            data, queryset=Dataset.objects.all() if queryset is None else queryset, **kwargs
        )

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return catalog_search(
            query=data.get("q") or "",
            tag=data["tag"].slug if data.get("tag") else None,
            steward=data.get("steward"),
            classification=data.get("classification") or None,
            platform=data.get("platform") or None,
            review_state=data.get("review_state") or None,
        )
