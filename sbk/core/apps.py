from django.apps import AppConfig
from django.core import checks
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "sbk.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self):
        from . import appendonly, keys

        checks.register(keys.check_key_file, "sbk")
        checks.register(keys.check_keys_match_data, "sbk")
        connection_created.connect(appendonly.on_connection_created)
