from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "sbk.evaluation"
    label = "evaluation"
    verbose_name = "工作评估"
