"""Values every page template needs: the user's role for the top bar."""

from lineage_portal.access import role_of


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"portal_role": role_of(user)}
