"""The public side: the admin, the network API and health."""

from django.contrib import admin
from django.urls import path

from assessment.views import export_download
from core import views
from graphql_api.views import graphiql_asset, graphql_view

urlpatterns = [
    path("", views.network_index, name="network-index"),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("graphql/", graphql_view("network"), name="graphql"),
    # Clients often post to the path without the slash; a redirect would turn POST into GET.
    path("graphql", graphql_view("network")),
    path("graphql/assets/<str:name>", graphiql_asset, name="graphiql-asset"),
    path("exports/assessment/<str:token>", export_download, name="assessment-export"),
]
