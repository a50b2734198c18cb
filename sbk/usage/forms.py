"""Console forms: a service's problems shown next to the fields they name."""

from django import forms

from sbk.core.errors import ServiceError

from . import rules
from .models import BankStatus, CaseChannel, Medium, VenueKind


class ServiceForm(forms.Form):
    def add_service_error(self, exc: ServiceError) -> None:
        for p in exc.problems:
            field = (p.field or "").split("[")[0]
            self.add_error(field if field in self.fields else None, f"{p.message}（{p.code}）")


def _lines(text: str) -> list[list[str]]:
    return [line.replace(",", " ").split() for line in (text or "").splitlines() if line.strip()]


class BankForm(ServiceForm):
    org = forms.CharField(label="银行机构代码")
    full_name = forms.CharField(label="银行全称", max_length=100)
    medium = forms.ChoiceField(label="金融功能加载方式", choices=Medium.choices)
    card_versions = forms.CharField(label="发行卡版本（空格分隔）", required=False)
    bins = forms.CharField(
        label="BIN 号段（每行：起 止 卡版本）", required=False, widget=forms.Textarea({"rows": 3})
    )
    cities = forms.CharField(
        label="合作地市（每行：区划代码 起始日期）",
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
    contact = forms.CharField(label="联系人及电话", required=False)
    note = forms.CharField(label="备注", required=False)

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        d["card_versions"] = d["card_versions"].split()
        d["bins"] = _lines(d["bins"])
        d["cities"] = _lines(d["cities"])
        return d


class StatusForm(ServiceForm):
    status = forms.ChoiceField(label="新状态", choices=BankStatus.choices)
    reason = forms.CharField(label="说明", required=False)


class ImportForm(ServiceForm):
    file = forms.FileField(label="用卡记录 CSV")
    dry_run = forms.BooleanField(label="只检查不写入", required=False)


class VenueForm(ServiceForm):
    kind = forms.ChoiceField(label="类型", choices=VenueKind.choices)
    name = forms.CharField(label="名称", max_length=100)
    address = forms.CharField(label="地址", max_length=200)
    division_code = forms.CharField(label="所在区划（默认本网点）", required=False)
    merchant_code = forms.CharField(label="商户或场景代码", required=False)
    operator_name = forms.CharField(label="经营者", required=False)
    nearest_bank = forms.CharField(label="就近服务银行代码", required=False)
    note = forms.CharField(label="备注", required=False)


class CampaignForm(ServiceForm):
    name = forms.CharField(label="活动名称", max_length=100)
    scenario = forms.ChoiceField(label="场景类型", choices=VenueKind.choices)
    start = forms.DateField(label="开始日期")
    end = forms.DateField(label="结束日期")
    discount_kind = forms.ChoiceField(
        label="优惠方式", choices=[(rules.PERCENT, "折扣（%）"), (rules.FIXED, "立减（元）")]
    )
    discount_value = forms.DecimalField(label="优惠额度")
    discount_threshold = forms.DecimalField(label="起用金额", required=False)
    discount_cap = forms.DecimalField(label="单笔优惠上限", required=False)
    budget = forms.DecimalField(label="预算（元）", required=False)
    target_groups = forms.MultipleChoiceField(
        label="目标人群",
        required=False,
        choices=list(rules.AGE_GROUP_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    funder = forms.CharField(label="出资银行代码", required=False)
    funder_other = forms.CharField(label="其他出资单位", required=False)


class CaseForm(ServiceForm):
    title = forms.CharField(label="标题", max_length=100)
    text = forms.CharField(label="案例内容", widget=forms.Textarea({"rows": 4}))
    channel = forms.ChoiceField(label="传播渠道", choices=CaseChannel.choices)
    partner = forms.CharField(label="合作单位", required=False)
    image = forms.ImageField(label="图片", required=False)
