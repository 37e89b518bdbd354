"""One centre's side, mounted at /c/<division_code>/ (see core.routing)."""

from django.urls import include, path

from core import views
from graphql_api.views import graphiql_asset, graphql_view

urlpatterns = [
    path("api/", views.centre_index, name="centre-index"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.centre_health, name="centre-health"),
    path("graphql/", graphql_view("centre"), name="graphql"),
    # Clients often post to the path without the slash; a redirect would turn POST into GET.
    path("graphql", graphql_view("centre")),
    path("graphql/assets/<str:name>", graphiql_asset, name="graphiql-asset"),
    path("", include("web.urls_centre")),
]
