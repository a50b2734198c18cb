from django import forms

from .writers import FORMATS


class ExportForm(forms.Form):
    q = forms.CharField(label="筛选条件", required=False, widget=forms.HiddenInput)
    fmt = forms.ChoiceField(label="格式", choices=[(f, f.upper()) for f in FORMATS])
    full = forms.BooleanField(label="导出完整证件号码、电话与地址", required=False)
    purpose = forms.CharField(label="用途（导出完整号码时必填）", required=False, max_length=200)


class DecisionForm(forms.Form):
    note = forms.CharField(label="意见", required=False, max_length=200)
