from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sbk.registry"
    label = "registry"
    verbose_name = "持卡库"
