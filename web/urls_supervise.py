"""The supervisor's pages: /supervise/… (included by the web app's public URLs)."""

from django.urls import path

from web.views import supervision

urlpatterns = [
    path("", supervision.index, name="supervise"),
    path("issue/", supervision.issue, name="supervise-issue"),
]
