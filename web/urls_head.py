"""The centre head's pages, under a centre: /c/<code>/head/… (included by web.urls_centre)."""

from django.urls import path

from web.views import head

urlpatterns = [
    path("", head.workload, name="head"),
    path("staff/", head.staff, name="head-staff"),
    path("staff/<int:membership_id>/end/", head.end_membership, name="head-staff-end"),
    path("facts/", head.facts, name="head-facts"),
]
