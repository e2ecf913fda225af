"""Forms of the exposure pages: a decision on a finding, turned into one service's arguments."""

from __future__ import annotations

from django import forms

DATE_HELP = "Write the date as YYYY-MM-DD, e.g. 2027-03-01."


class AcknowledgeForm(forms.Form):
    """Accept an exposure for now: why, and until when (ISO date; 90 days if left empty)."""

    reason = forms.CharField(
        max_length=2000,
        error_messages={"required": "Say why this exposure is acceptable for now."},
    )
    expires = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": DATE_HELP},
    )


class ResolveForm(forms.Form):
    """Mark a finding resolved by hand: what was done about it."""

    reason = forms.CharField(
        max_length=2000,
        error_messages={"required": "Say what was done about this exposure."},
    )
