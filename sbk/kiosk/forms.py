from django import forms


class DocumentForm(forms.Form):
    id_number = forms.CharField(
        label="证件号码",
        max_length=32,
        help_text="把身份证放在读卡区会自动读出；也可以用屏幕键盘输入",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}
        ),
    )


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="拍照",
        help_text="看着摄像头，点“拍照”后再点“检测照片”",
        # capture: the machine's (or a phone's) camera opens straight away.
        widget=forms.FileInput(attrs={"accept": "image/jpeg", "capture": "user"}),
    )
