"""What the lineage side announces, for apps above it that care (governance rescans).

``graph`` never imports those apps: they connect to these signals when they start.
"""

from django.dispatch import Signal

# Sent when an ingestion run has finished (succeeded or failed), with ``run``.
run_finished = Signal()
