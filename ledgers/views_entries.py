"""Stub: filled in by its owner (placeholders keep the menu's links resolvable)."""

from django.http import HttpResponse
from django.urls import path


def _placeholder(request, *args, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("", _placeholder, name="index"),
    path("<slug:kind>/<int:pk>/", _placeholder, name="entry_detail"),
]
