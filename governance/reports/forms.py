"""The upload-to-verify form of the Reports page."""

from django import forms

MAX_VERIFY_BYTES = 200 * 1024 * 1024


class VerifyUploadForm(forms.Form):
    """A report file someone was handed, to check against the register."""

    file = forms.FileField(
        label="Report file (PDF or CSV)",
        error_messages={
            "required": "Choose the report file to check.",
            "empty": "That file is empty.",
        },
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VERIFY_BYTES:
            raise forms.ValidationError(
                "That file is larger than any report the portal makes (200 MB)."
            )
        return upload
