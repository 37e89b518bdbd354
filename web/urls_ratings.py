"""A centre's 差评整改 pages: /c/<code>/ratings/… (included by web.urls_centre)."""

from django.urls import path

from web.views import ratings

urlpatterns = [
    path("", ratings.rectifications, name="rectifications"),
    path("<int:pk>/", ratings.rectification, name="rectification"),
    path("<int:pk>/callback/", ratings.callback, name="rectification-callback"),
    path("<int:pk>/close/", ratings.close, name="rectification-close"),
]
