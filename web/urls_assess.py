"""The city assessor's pages: /assess/… (included by the web app's public URLs)."""

from django.urls import path

from web.views import assess

urlpatterns = [
    path("", assess.index, name="assess"),
    path("runs/<int:run_id>/", assess.run_detail, name="assess-run"),
    path("runs/<int:run_id>/export.<str:fmt>", assess.export, name="assess-export"),
    path("compare/", assess.compare, name="assess-compare"),
    path("checks/", assess.checks, name="assess-checks"),
]
