from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationConfig(AppConfig):
    name = "delegation"
    verbose_name = _("办件与代办")

    def ready(self) -> None:
        from delegation import inbox
        from messaging import dispatch

        for kind in inbox.KINDS:
            dispatch.register(kind, inbox.receive, batch=inbox.receive_batch)
