"""Evidence reports and the evidence register.

* ``register``: the append-only, hash-chained register of every generated file, its
  SHA-256, and the file itself kept under ``reports.directory``.
* ``csv``: streamed CSV, formula-injection safe, registered when the last row is out.
* ``pdf``: PDF documents from templates (WeasyPrint), byte-identical when regenerated.
* ``svg``: lineage paths drawn server-side, for PDFs and pages.
* ``kinds``: what each report contains (audit trail, reviews, steward gaps, lineage).
"""
