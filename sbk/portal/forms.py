from django import forms
from django.contrib.auth.forms import AuthenticationForm

from sbk.core.errors import ServiceError
from sbk.registry.models import Category

from .services import login_username, production_outlets


class LoginForm(AuthenticationForm):
    """The console login; an applicant may type their document number as the username."""

    def clean_username(self):
        return login_username(self.cleaned_data.get("username", ""))


class _ServiceErrors:
    def add_service_error(self, exc: ServiceError) -> None:
        for p in exc.problems:
            field = p.field if p.field in self.fields else None
            self.add_error(field, p.message)


class RegisterForm(_ServiceErrors, forms.Form):
    name = forms.CharField(
        label="姓名", max_length=60, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.CharField(
        label="证件号码",
        max_length=32,
        help_text="居民身份证等，18 位的最后一位可以是 X",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        help_text="11 位，用于接收办理短信",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    category = forms.ChoiceField(label="人员类别", choices=Category.choices, initial="resident")
    outlet = forms.ChoiceField(label="就近网点", required=False)
    password = forms.CharField(
        label="密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="再次输入密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].optional_hint = True  # shown after the label
        self.fields["outlet"].choices = [("", "暂不选择")] + [
            (o.code, o.name) for o in production_outlets()
        ]

    def clean(self):
        data = super().clean()
        if data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class CodeForm(_ServiceErrors, forms.Form):
    code = forms.CharField(
        label="短信验证码",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text="6 位数字",
    )


class ApplyForm(_ServiceErrors, forms.Form):
    outlet = forms.ChoiceField(label="制卡银行网点", required=False)
    use_on_file = forms.BooleanField(label="沿用已有的合格照片", required=False)
    studio_photo = forms.BooleanField(
        label="暂不上传照片，到所选银行网点的指定照相馆拍照（办结期限自照片上传之日起算）",
        required=False,
    )
    photo = forms.FileField(
        label="上传照片或用手机拍照",
        required=False,
        help_text="JPG 格式证件照；用手机打开本页时，点这里可以直接用相机拍照",
        # capture: a phone opens its camera (the front one) straight away; accept keeps
        # the choice to JPEG, the format the rules ask for.
        widget=forms.FileInput(attrs={"accept": "image/jpeg", "capture": "user"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].choices = [("", "请选择")] + [
            (o.code, f"{o.name}（{o.code}）") for o in production_outlets()
        ]
