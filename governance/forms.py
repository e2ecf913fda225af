"""Forms of the governance pages: they turn a POST into the arguments of one service.

Choices come from the selectors, so a value that is not offered (an unknown level, tag,
steward or policy, or one deactivated since the page was drawn) is refused here, next to
its field, before any service runs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from graph.models import Column, Dataset

from . import selectors
from .errors import StaleAssetError
from .models import UNCLASSIFIED, AssetGovernance, Classification, Review, Steward

ASSET_FIELDS = ("classification", "tags", "steward", "masking_policy", "next_review_due")
LEVEL_HELP = "restricted, confidential, internal, public or unclassified"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _steward_choices(current: Steward | None = None):
    """Active stewards, plus the asset's own steward if it was deactivated (shown, kept)."""
    stewards = selectors.steward_list(active=True)
    if current is not None and not current.active:
        stewards = stewards | selectors.steward_list(active=None).filter(pk=current.pk)
    return stewards


class AssetForm(forms.Form):
    """One asset's governance as the dataset panel edits it.

    ``edits`` (hidden) names the fields this form carries: the full form sends all five,
    the steward-gap page only ``steward``. Fields it does not carry are left alone.
    """

    # show_hidden_initial: each field also posts what the form showed, so a save sends only
    # what the user changed, and a stale form can take in someone else's other changes.
    classification = forms.ChoiceField(
        required=False,
        show_hidden_initial=True,
        choices=[("", "Unclassified"), *reversed(Classification.choices)],
        error_messages={
            "invalid_choice": f"Unknown classification level “%(value)s”: pick {LEVEL_HELP}."
        },
    )
    tags = forms.ModelMultipleChoiceField(
        required=False,
        show_hidden_initial=True,
        queryset=selectors.regulatory_tag_list(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Unknown regulatory tag “%(value)s”."},
    )
    steward = forms.ModelChoiceField(
        required=False,
        show_hidden_initial=True,
        queryset=selectors.steward_list(active=True),
        empty_label="No steward",
        error_messages={
            "invalid_choice": "Unknown or inactive steward: pick an active one from the list."
        },
    )
    masking_policy = forms.ModelChoiceField(
        required=False,
        show_hidden_initial=True,
        queryset=selectors.masking_policy_list(),
        empty_label="No masking",
        error_messages={"invalid_choice": "Unknown masking policy: pick one from the list."},
    )
    next_review_due = forms.DateField(
        required=False,
        show_hidden_initial=True,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Write the review date as YYYY-MM-DD, e.g. 2026-12-31."},
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    edits = forms.CharField(required=False, widget=forms.HiddenInput)
    # "1" when the form posts what it showed (initial-*); an empty tag list posts nothing.
    shown = forms.CharField(required=False, initial="1", widget=forms.HiddenInput)
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Why? (kept in the audit trail)"}),
    )

    def __init__(
        self,
        *args: Any,
        asset: AssetGovernance | None = None,
        choices: dict[str, list] | None = None,
        can_move_due: bool = True,
        **kwargs: Any,
    ) -> None:
        self.asset = asset
        if asset is not None and "initial" not in kwargs:
            kwargs["initial"] = asset_initial(asset)
        super().__init__(*args, **kwargs)
        if not can_move_due:
            # Shown, not editable: the date moves when the review is attested.
            self.fields["next_review_due"].disabled = True
            self.fields["next_review_due"].help_text = "Moves when the review is attested."
        current = asset.steward if asset else None
        self.fields["steward"].queryset = _steward_choices(current)
        self.fields["tags"].queryset = selectors.regulatory_tag_list()
        self.fields["masking_policy"].queryset = selectors.masking_policy_list()
        for name, listed in (choices or {}).items():
            if name == "steward" and current is not None and not current.active:
                continue  # this form also offers the asset's own, inactive, steward
            # Drawn from the shared list; a POST is still validated against the queryset.
            self.fields[name].choices = listed

    @classmethod
    def shared_choices(cls) -> dict[str, list]:
        """The pickers' options read once, for a page that draws many of these forms."""
        form = cls()
        return {
            name: list(form.fields[name].choices) for name in ("tags", "steward", "masking_policy")
        }

    def clean_edits(self) -> list[str]:
        names = (self.cleaned_data.get("edits") or "").split()
        unknown = sorted(set(names) - set(ASSET_FIELDS))
        if unknown:
            raise ValidationError(f"Unknown field {', '.join(unknown)}.")
        return names or list(ASSET_FIELDS)

    def changes(self) -> dict[str, Any]:
        """The ``changes`` for ``services.asset_update``: what the user changed, nothing else.

        Without ``shown`` (a hand-made request, not the page's form) every carried field
        counts as changed. The current steward is left out when unchanged, so an asset whose steward
        was deactivated can still be re-classified (the service refuses to *assign* one).
        """
        data = self.cleaned_data
        changes = {
            name: data[name]
            for name in data["edits"]
            if self._user_changed(name) and not self.fields[name].disabled
        }
        current = self.asset.steward if self.asset else None
        if "steward" in changes and changes["steward"] == current:
            del changes["steward"]
        return changes

    @property
    def tags_shown(self) -> str:
        """Hidden inputs of the tags the form showed (the checkboxes are drawn one by one)."""
        return self["tags"].as_hidden(only_initial=True)

    def _user_changed(self, name: str) -> bool:
        return not self.data.get("shown") or name in self.changed_data

    def service_errors(self, exc: ValidationError) -> None:
        """Show a service's ``ValidationError`` on the fields it names, or above the form."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)

    def stale(self, exc: StaleAssetError, current: AssetGovernance) -> None:
        """Keep what the user changed, take in the rest as saved now, and say who changed it.

        The form is redrawn as if opened now with the user's edits re-applied: the next
        save sends only those, so the other person's changes to other fields survive.
        """
        self.stale_error = exc
        saved = _as_data(asset_initial(current))
        data = self.data.copy()
        for name in ASSET_FIELDS:
            if not self._user_changed(name):
                data.setlist(name, saved[name])
            data.setlist(self.add_initial_prefix(name), saved[name])
        data["version"] = str(exc.current_version)
        data["shown"] = "1"
        self.data = data


def asset_initial(asset: AssetGovernance) -> dict[str, Any]:
    """The form's starting values: the asset as saved now."""
    return {
        "classification": asset.classification or "",
        "tags": list(asset.tags.all()) if asset.pk else [],
        "steward": asset.steward,
        "masking_policy": asset.masking_policy,
        "next_review_due": asset.next_review_due,
        "version": asset.version,
    }


def _as_data(values: dict[str, Any]) -> dict[str, list[str]]:
    """Field values as a form posts them (lists of strings), for redrawing a stale form."""
    due = values["next_review_due"]
    return {
        "classification": [values["classification"] or ""],
        "tags": [tag.slug for tag in values["tags"]],
        "steward": [str(values["steward"].pk) if values["steward"] else ""],
        "masking_policy": [str(values["masking_policy"].pk) if values["masking_policy"] else ""],
        "next_review_due": [due.isoformat() if due else ""],
    }


class AttestForm(forms.Form):
    """A steward's attestation: confirmed unchanged, or changed, with an optional comment."""

    outcome = forms.ChoiceField(
        choices=Review.Outcome.choices,
        error_messages={
            "required": "Say whether the governance was confirmed or changed.",
            "invalid_choice": "Unknown review outcome “%(value)s”: use confirmed or changed.",
        },
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "Comment (optional)"}),
    )


class BulkForm(forms.Form):
    """Classify, tag or assign a steward to the selected datasets or columns at once."""

    datasets = forms.ModelMultipleChoiceField(
        required=False,
        queryset=Dataset.objects.all(),
        error_messages={"invalid_choice": "Dataset %(value)s no longer exists: reload the page."},
    )
    columns = forms.ModelMultipleChoiceField(
        required=False,
        queryset=Column.objects.all(),
        error_messages={"invalid_choice": "Column %(value)s no longer exists: reload the page."},
    )
    level = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Keep classification"),
            *reversed(Classification.choices),
            (UNCLASSIFIED, "Unclassified (clear)"),
        ],
        error_messages={
            "invalid_choice": f"Unknown classification level “%(value)s”: pick {LEVEL_HELP}."
        },
    )
    add_tags = forms.ModelMultipleChoiceField(
        required=False,
        queryset=selectors.regulatory_tag_list(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Unknown regulatory tag “%(value)s”."},
    )
    steward = forms.ModelChoiceField(
        required=False,
        queryset=selectors.steward_list(active=True),
        empty_label="Keep steward",
        error_messages={
            "invalid_choice": "Unknown or inactive steward: pick an active one from the list."
        },
    )
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["steward"].queryset = selectors.steward_list(active=True)
        self.fields["add_tags"].queryset = selectors.regulatory_tag_list()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        if not data.get("datasets") and not data.get("columns"):
            raise ValidationError("Select at least one dataset or column first.")
        if not data.get("level") and not data.get("add_tags") and not data.get("steward"):
            raise ValidationError("Choose a classification, tags to add or a steward to apply.")
        return data

    def assets(self) -> list[Dataset | Column]:
        return [*self.cleaned_data["datasets"], *self.cleaned_data["columns"]]


class CsvUploadForm(forms.Form):
    """A CSV of classifications to preview (dry run) before applying it."""

    file = forms.FileField(
        label="CSV file",
        error_messages={
            "required": "Choose a CSV file to upload.",
            "empty": "The file is empty.",
        },
    )
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Q3 classification review"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"The file is {upload.size // (1024 * 1024)} MB: split it into files of at "
                f"most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
            )
        try:
            # utf-8-sig: spreadsheets save "CSV UTF-8" with a byte-order mark.
            self.text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                "The file is not UTF-8 text. Save it from your spreadsheet as "
                "“CSV UTF-8 (comma delimited)” and upload it again."
            ) from None
        if "\x00" in self.text:
            raise ValidationError("This looks like a binary file, not a CSV: upload a .csv file.")
        return upload
