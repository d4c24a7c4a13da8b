"""Stub: filled in by its owner (placeholders keep the menu's links resolvable)."""

from django.http import HttpResponse
from django.urls import path


def _placeholder(request, *args, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("demands/", _placeholder, name="demand_list"),
    path("demands/figures/", _placeholder, name="demand_figures"),
    path("demands/<int:pk>/", _placeholder, name="demand_detail"),
]
