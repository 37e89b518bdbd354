from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustodyConfig(AppConfig):
    name = "custody"
    verbose_name = _("材料交接")

    def ready(self) -> None:
        # The papers travel on the delegation's own streams (numbered with the case's messages,
        # so a hand-over never arrives before the case it belongs to).
        from custody import messages

        messages.register()
