"""Query-string filters for pages and the API, validated by django-filter, answered by selectors."""

from __future__ import annotations

import django_filters

from graph.models import Column, Dataset

from .models import (
    UNCLASSIFIED,
    AuditEvent,
    Classification,
    MaskingPolicy,
    RegulatoryTag,
    Review,
    Steward,
)
from .selectors import (
    REVIEW_STATES,
    audit_event_list,
    catalog_search,
    column_catalog_search,
    masking_policy_list,
    regulatory_tag_list,
    review_list,
    steward_list,
)

# What audit events are about (``AuditEvent.object_type``).
AUDIT_OBJECT_TYPES = ("dataset", "column", "steward", "masking_policy", "regulatory_tag", "finding")
SORT_CHOICES = [
    ("name", "Name A–Z"),
    ("-name", "Name Z–A"),
    ("classification", "Strongest classification first"),
    ("-classification", "Unclassified first"),
    ("steward", "Steward"),
    ("review", "Next review due"),
]


class CatalogSearchFilterSet(django_filters.FilterSet):
    """The catalog search form: ``?q=&tag=&steward=&classification=&platform=&review_state=&sort=``.

    The form validates the parameters (unknown tag, steward or level → form errors);
    ``.qs`` is ``selectors.catalog_search`` with the cleaned values, whatever
    ``queryset`` was given. Use ``filterset.is_valid()`` / ``filterset.errors`` as usual.
    """

    q = django_filters.CharFilter(label="Name or key")
    # field_name only documents the filter (the OpenAPI schema reads it): .qs is the selector's.
    tag = django_filters.ModelChoiceFilter(
        field_name="governance__tags",
        queryset=RegulatoryTag.objects.all(),
        to_field_name="slug",
        label="Regulatory tag",
        error_messages={"invalid_choice": "Unknown regulatory tag “%(value)s”."},
    )
    steward = django_filters.ModelChoiceFilter(
        field_name="governance__steward",
        queryset=Steward.objects.all(),
        error_messages={"invalid_choice": "Unknown steward “%(value)s” (give its id)."},
    )
    classification = django_filters.ChoiceFilter(
        choices=[*Classification.choices, (UNCLASSIFIED, "Unclassified")],
        error_messages={
            "invalid_choice": "Unknown classification level “%(value)s”: use one of "
            + ", ".join((*Classification.values, UNCLASSIFIED))
            + "."
        },
    )
    platform = django_filters.CharFilter()
    review_state = django_filters.ChoiceFilter(
        choices=[(state, state.replace("_", " ")) for state in REVIEW_STATES],
        label="Review",
        error_messages={
            "invalid_choice": f"Unknown review state “%(value)s”: use one of {', '.join(REVIEW_STATES)}."
        },
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        label="Sort by",
        error_messages={
            "invalid_choice": "Unknown sort “%(value)s”: use one of "
            + ", ".join(value for value, _ in SORT_CHOICES)
            + "."
        },
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
            sort=data.get("sort") or None,
        )


class ColumnCatalogSearchFilterSet(CatalogSearchFilterSet):
    """The same search over columns (each by its own governance), plus ``?dataset=<id>``."""

    dataset = django_filters.ModelChoiceFilter(
        queryset=Dataset.objects.all(),
        error_messages={"invalid_choice": "Unknown dataset id “%(value)s”."},
    )

    class Meta:
        model = Column
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(
            data, queryset=Column.objects.all() if queryset is None else queryset, **kwargs
        )

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return column_catalog_search(
            query=data.get("q") or "",
            tag=data["tag"].slug if data.get("tag") else None,
            steward=data.get("steward"),
            classification=data.get("classification") or None,
            platform=data.get("platform") or None,
            review_state=data.get("review_state") or None,
            dataset=data.get("dataset"),
            sort=data.get("sort") or None,
        )


# --- registries, reviews and the audit trail (API lists and the audit page) ------------


class StewardFilterSet(django_filters.FilterSet):
    """``?q=&kind=&active=``; inactive stewards are listed too unless ``active=true``."""

    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")

    class Meta:
        model = Steward
        fields = ["kind", "active"]

    def __init__(self, data=None, queryset=None, **kwargs):
        queryset = steward_list(active=None) if queryset is None else queryset
        super().__init__(data, queryset=queryset, **kwargs)


class MaskingPolicyFilterSet(django_filters.FilterSet):
    """``?q=&kind=``."""

    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")

    class Meta:
        model = MaskingPolicy
        fields = ["kind"]

    def __init__(self, data=None, queryset=None, **kwargs):
        queryset = masking_policy_list() if queryset is None else queryset
        super().__init__(data, queryset=queryset, **kwargs)


class RegulatoryTagFilterSet(django_filters.FilterSet):
    """``?q=&builtin=``."""

    q = django_filters.CharFilter(field_name="slug", lookup_expr="icontains", label="Slug")

    class Meta:
        model = RegulatoryTag
        fields = ["builtin"]

    def __init__(self, data=None, queryset=None, **kwargs):
        queryset = regulatory_tag_list() if queryset is None else queryset
        super().__init__(data, queryset=queryset, **kwargs)


class ReviewFilterSet(django_filters.FilterSet):
    """``?dataset=<id>&reviewer=<username>&outcome=``; ``.qs`` is ``selectors.review_list``."""

    dataset = django_filters.ModelChoiceFilter(
        field_name="asset__dataset",
        queryset=Dataset.objects.all(),
        label="Dataset (and its columns)",
    )
    reviewer = django_filters.CharFilter(label="Reviewer username")
    outcome = django_filters.ChoiceFilter(choices=Review.Outcome.choices)

    class Meta:
        model = Review
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, **kwargs):
        queryset = Review.objects.all() if queryset is None else queryset
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return review_list(
            dataset=data.get("dataset"),
            reviewer=data.get("reviewer") or None,
            outcome=data.get("outcome") or None,
        )


class AuditEventFilterSet(django_filters.FilterSet):
    """``?object_key=&with_columns=&object_type=&actor=&action=``; newest first."""

    object_key = django_filters.CharFilter(label="Object key")
    with_columns = django_filters.BooleanFilter(label="Include the dataset's columns")
    object_type = django_filters.ChoiceFilter(
        choices=[(kind, kind.replace("_", " ")) for kind in AUDIT_OBJECT_TYPES], label="Type"
    )
    actor = django_filters.CharFilter(label="Username")
    action = django_filters.CharFilter(label="Action")

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, **kwargs):
        queryset = AuditEvent.objects.all() if queryset is None else queryset
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return audit_event_list(
            object_key=(data.get("object_key") or "").strip() or None,
            object_type=data.get("object_type") or None,
            actor=(data.get("actor") or "").strip() or None,
            action=(data.get("action") or "").strip() or None,
            with_columns=bool(data.get("with_columns")),
        )
