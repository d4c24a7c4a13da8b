from django.urls import path

from households import views

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_create, name="create"),
    path("export.xlsx", views.household_export, name="export"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/members/new/", views.member_edit, name="member_create"),
    path("<int:pk>/members/<int:member_pk>/edit/", views.member_edit, name="member_edit"),
]
