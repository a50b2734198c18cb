from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "sbk.orgs"
    label = "orgs"
    verbose_name = "机构"
