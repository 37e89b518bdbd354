"""City assessor pages, under /assess/ (web2)."""

from django.urls import path

from web.views import assess

urlpatterns = [
    path("", assess.index, name="assess"),
]
