"""The public side: the admin, the network API and health."""

from django.contrib import admin
from django.urls import path

from core import views

urlpatterns = [
    path("", views.network_index, name="network-index"),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
]
