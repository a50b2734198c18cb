from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "sbk.assistant"
    label = "assistant"
    verbose_name = "办理智能小助手"
