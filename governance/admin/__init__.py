"""Django admin for governance: every save and action goes through the services.

So an admin edit is permission-checked by ``governance.permissions`` and audited exactly
like a page edit. Nothing is deleted here: stewards are deactivated, and audit events,
reviews and the chain head are read-only.
"""

from .assets import AssetGovernanceAdmin, ReviewAdmin, TagSuggestionAdmin
from .audit import AuditChainHeadAdmin, AuditEventAdmin
from .registry import MaskingPolicyAdmin, RegulatoryTagAdmin, StewardAdmin

__all__ = [
    "AssetGovernanceAdmin",
    "AuditChainHeadAdmin",
    "AuditEventAdmin",
    "MaskingPolicyAdmin",
    "RegulatoryTagAdmin",
    "ReviewAdmin",
    "StewardAdmin",
    "TagSuggestionAdmin",
]
