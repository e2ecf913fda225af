"""``?kind=&risk_level=&state=&source=&target=&steward=&tag=`` for findings, on pages and the API."""

from __future__ import annotations

import django_filters

from ..models import Finding, Risk
from .selectors import finding_list


class FindingFilterSet(django_filters.FilterSet):
    """Findings filtered as the Exposure page and ``GET /api/v1/exposure/findings`` take them."""

    kind = django_filters.ChoiceFilter(choices=Finding.Kind.choices)
    risk_level = django_filters.ChoiceFilter(choices=Risk.choices, label="Risk")
    state = django_filters.ChoiceFilter(choices=Finding.State.choices)
    source = django_filters.CharFilter(label="Source (key or name)")
    target = django_filters.CharFilter(label="Exposed asset (key or name)")
    steward = django_filters.CharFilter(label="Steward of the exposed asset")
    tag = django_filters.CharFilter(label="Regulatory tag")

    class Meta:
        model = Finding
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, **kwargs):
        queryset = Finding.objects.all() if queryset is None else queryset
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return finding_list(**{name: data.get(name) or None for name in self.filters})
