"""Dictionary admin pages, under /dictionary/ (web2)."""

from django.urls import path

from web.views import dictionary

urlpatterns = [
    path("", dictionary.index, name="dictionary"),
]
