from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sbk.portal"
    label = "portal"
    verbose_name = "申请人网上服务"
