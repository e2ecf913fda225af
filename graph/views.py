"""Lineage pages: thin views that call selectors and render templates."""
from django.shortcuts import render


def home(request):
    return render(request, "graph/home.html", {})
