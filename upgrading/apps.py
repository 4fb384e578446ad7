from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpgradingConfig(AppConfig):
    name = "upgrading"
    verbose_name = _("Social upgrading")
