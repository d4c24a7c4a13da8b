from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.views import healthz
from contact import views as contact_views

admin.site.site_header = _("Minqingtong")
admin.site.site_title = _("Minqingtong")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", contact_views.home, name="home"),
    path("accounts/login/", contact_views.LoginView.as_view(), name="login"),
    path(
        "accounts/password_change/",
        contact_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("households/", include("households.urls")),
    path("contact/", include("contact.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
