from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("User name or mobile number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    def save(self, commit=True):
        # The signal that stamps password changes treats this one as the user's own.
        self.user._password_set_by_self = True
        return super().save(commit=commit)
