"""Login is required everywhere, by default: a new page or endpoint is protected unless listed."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse

# The only ways in without a session or token: the login page itself, static files,
# the health check and the OpenAPI schema (so clients can be generated).
PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/healthz", "/api/schema/")


class LoginRequiredEverywhere:
    """Refuse anonymous requests: redirect pages to login, answer 401 for the API.

    The API authenticates tokens inside DRF, after this middleware, so API paths are
    left to DRF's own IsAuthenticated default rather than judged here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(PUBLIC_PREFIXES) or path.startswith("/api/"):
            return self.get_response(request)
        if not request.user.is_authenticated:
            if request.headers.get("accept", "").startswith("application/json"):
                return JsonResponse({"detail": "Authentication required."}, status=401)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
