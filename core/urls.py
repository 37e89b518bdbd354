"""The public side: the web app's public pages, the admin, the network API and health."""

from django.contrib import admin
from django.urls import include, path

from assessment.views import export_download
from core import views
from graphql_api.views import graphiql_asset, graphql_view

urlpatterns = [
    path("api/", views.network_index, name="network-index"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("graphql/", graphql_view("network"), name="graphql"),
    # Clients often post to the path without the slash; a redirect would turn POST into GET.
    path("graphql", graphql_view("network")),
    path("graphql/assets/<str:name>", graphiql_asset, name="graphiql-asset"),
    path("exports/assessment/<str:token>", export_download, name="assessment-export"),
    path("", include("web.urls_public")),
]
