"""Forms of the assistant's console and portal pages."""

from django import forms

from .models import DocumentStatus
from .services import MAX_QUESTION


class AskForm(forms.Form):
    question = forms.CharField(label="问题", max_length=MAX_QUESTION)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)


class UploadForm(forms.Form):
    file = forms.FileField(label="文件（.txt .md .docx .pdf）")
    title = forms.CharField(label="标题（不填则取文件中的标题）", required=False, max_length=200)
    issuer = forms.CharField(label="发文机关", required=False, max_length=100)
    number = forms.CharField(label="文号", required=False, max_length=60)
    issued_on = forms.DateField(label="成文日期", required=False)
    status = forms.ChoiceField(
        label="效力", choices=[("", "按文件所写")] + list(DocumentStatus.choices), required=False
    )
    internal = forms.BooleanField(label="仅内部使用（不向申请人公开）", required=False)
    org = forms.CharField(label="所属机构代码（不填为本机构）", required=False, max_length=40)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="效力", choices=DocumentStatus.choices)
    reason = forms.CharField(label="原因", required=False, max_length=200)


class SynonymsForm(forms.Form):
    text = forms.CharField(
        label="同义词（每行一组，用“=”连接）", widget=forms.Textarea, required=False
    )


class EnquiryForm(forms.Form):
    question = forms.CharField(max_length=MAX_QUESTION)
    answer = forms.CharField(required=False, max_length=500)
    person = forms.IntegerField(required=False)


class TeachForm(forms.Form):
    question = forms.CharField(label="问题", max_length=MAX_QUESTION)
    passage_id = forms.IntegerField(label="答案段落")
