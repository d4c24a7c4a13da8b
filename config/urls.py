from django.contrib import admin
from django.urls import include, path

from config.views import healthz
from contact import views as contact_views

admin.site.site_header = "民情通"
admin.site.site_title = "民情通"
admin.site.index_title = "管理"

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
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
