from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GraphqlApiConfig(AppConfig):
    name = "graphql_api"
    verbose_name = _("GraphQL 接口")
