from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("电子监察")

    def ready(self) -> None:
        from messaging import dispatch
        from supervision import inbox

        for kind in inbox.KINDS:
            dispatch.register(kind, inbox.receive, batch=inbox.receive_batch)
