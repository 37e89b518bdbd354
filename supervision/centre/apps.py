from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionCentreConfig(AppConfig):
    """The handling centre's side of supervision orders (督办): a tenant app, one table per
    centre's schema (``ReceivedOrder``). The issuing side and the red cards are in the public
    ``supervision`` app."""

    name = "supervision.centre"
    label = "supervision_centre"
    verbose_name = _("督办（本中心）")
