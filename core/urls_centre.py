"""One centre's side, mounted at /c/<division_code>/ (see core.routing)."""

from django.urls import path

from core import views

urlpatterns = [
    path("", views.centre_index, name="centre-index"),
    path("health/", views.health, name="centre-health"),
]
