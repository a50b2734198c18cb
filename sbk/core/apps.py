from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "sbk.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self):
        from . import keys

        checks.register(keys.check_key_file, "sbk")
