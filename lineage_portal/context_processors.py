"""Values every page template needs: the user's role, and which admin pages the top bar shows."""

from lineage_portal.access import can_administer, can_export, role_of


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "portal_role": role_of(user),
        "portal_can_export": can_export(user),
        "portal_can_administer": can_administer(user),
    }
