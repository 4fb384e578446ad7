from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoopConfig(AppConfig):
    name = "coop"
    verbose_name = _("Co-operatives")

    def ready(self):
        from config.schedule import install_after_migrate

        # Once per `migrate` (sender: this app): the default beat schedule, where missing.
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="mutirao-default-schedule")
