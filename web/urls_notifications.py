"""The desk's notifications under a centre: /c/<code>/notifications/… (web.urls_centre)."""

from django.urls import path

from web.views import notifications

urlpatterns = [
    path("", notifications.inbox, name="notifications"),
    path("read/", notifications.mark_read, name="notifications-read"),
    path("sms/", notifications.sms, name="notifications-sms"),
    path("sms/preference/", notifications.sms_preference, name="notifications-sms-preference"),
]
