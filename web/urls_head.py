"""Centre head pages, under /c/<code>/head/ (web2)."""

from django.urls import path

from web.views import head

urlpatterns = [
    path("", head.index, name="head"),
]
