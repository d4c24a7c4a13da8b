from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from contact.forms import LoginForm, OwnPasswordChangeForm
from households.models import Area, Household


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        from django.contrib import messages

        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
def home(request):
    """The start page: what the user answers for, in numbers that link to their lists."""
    households = Household.objects.visible_to(request.user)
    by_category = (
        households.values("categories__pk", "categories__name")
        .annotate(n=Count("pk", distinct=True))
        .exclude(categories__pk=None)
        .order_by("-n")
    )
    cadre = getattr(request.user, "cadre", None)
    return render(
        request,
        "contact/home.html",
        {
            "cadre": cadre,
            "household_count": households.count(),
            "village_count": Area.objects.visible_to(request.user)
            .filter(level=Area.Level.VILLAGE)
            .count(),
            "by_category": by_category,
        },
    )
