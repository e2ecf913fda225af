"""The three roles of the portal, as Django groups, and how a user's role is named."""

STEWARD = "Steward"
AUDITOR = "Auditor"
COMPLIANCE_ADMIN = "Compliance admin"
ROLES = (COMPLIANCE_ADMIN, STEWARD, AUDITOR)


def role_of(user) -> str:
    """The user's strongest role, for display; superusers are compliance admins."""
    if user.is_superuser:
        return COMPLIANCE_ADMIN
    names = set(user.groups.values_list("name", flat=True))
    for role in ROLES:
        if role in names:
            return role
    return "Viewer"


def is_compliance_admin(user) -> bool:
    return user.is_superuser or user.groups.filter(name=COMPLIANCE_ADMIN).exists()
