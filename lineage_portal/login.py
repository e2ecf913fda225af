"""Login is required everywhere by default: a new page is protected unless marked public.

Django's ``LoginRequiredMiddleware`` refuses every view not decorated with
``@login_not_required`` (the login page, the health check). DRF views are left to DRF:
it authenticates tokens as well as sessions, and answers 401/403 itself
(``IsAuthenticated`` is the API's default permission; the schema view allows anyone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from rest_framework.views import APIView


def is_api_view(view_func: Callable[..., Any]) -> bool:
    """A DRF view (class-based ``as_view()`` or ``@api_view``): DRF judges who may call it."""
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


class PortalLoginRequired(LoginRequiredMiddleware):
    """Redirect anonymous page requests to login; JSON clients get a 401 instead."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if is_api_view(view_func):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    # A JSON 401 for JSON clients, where Django only ever redirects.
    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: Callable[..., Any]
    ) -> HttpResponseBase:
        if request.headers.get("accept", "").startswith("application/json"):
            return JsonResponse({"detail": "Authentication required."}, status=401)
        return super().handle_no_permission(request, view_func)
