from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustodyRecordsConfig(AppConfig):
    """The public projection of custody (papers held, hand-over discrepancies per centre), kept
    apart from ``custody`` because that app's tables live in every centre's schema."""

    name = "custody.records"
    label = "custody_records"
    verbose_name = _("材料交接（全网投影）")
