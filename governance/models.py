"""Governance records: what data is and who answers for it. Filled in by the governance work."""
