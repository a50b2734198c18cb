from django import forms

from sbk.core.errors import ServiceError
from sbk.registry.models import Category, DocType, Gender

PURPOSES = [
    ("申领（补换卡）", "申领（补换卡）"),
    ("信息变更", "信息变更"),
    ("挂失（解挂）", "挂失（解挂）"),
    ("注销", "注销"),
    ("转移", "省内/跨省转移"),
    ("咨询", "咨询"),
    ("解锁", "解锁"),
    ("稽核检查", "稽核检查"),
]


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=60)
    doc_type = forms.ChoiceField(
        label="证件类型", choices=[("", "按号码自动识别"), *DocType.choices], required=False
    )
    id_number = forms.CharField(label="证件号码", max_length=32)
    gender = forms.ChoiceField(
        label="性别", choices=[("", "按号码"), *Gender.choices], required=False
    )
    birth_date = forms.CharField(
        label="出生日期", required=False, help_text="YYYY-MM-DD，可留空按号码"
    )
    nationality = forms.CharField(label="国籍", required=False, initial="CHN")
    phone = forms.CharField(label="联系电话", required=False)
    address = forms.CharField(label="地址", required=False)
    residence_division = forms.CharField(label="户籍/居住地区划代码", required=False)
    category = forms.ChoiceField(label="人员类别", choices=Category.choices)
    category_note = forms.CharField(label="类别说明", required=False)
    reason = forms.CharField(label="办理说明/变更原因", required=False)

    def add_service_error(self, exc: ServiceError) -> None:
        for p in exc.problems:
            field = p.field if p.field in self.fields else None
            self.add_error(field, f"{p.message}（{p.code}）")


class RevealForm(forms.Form):
    purpose = forms.ChoiceField(label="查看用途（办理事项）", choices=PURPOSES)
