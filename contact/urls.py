from django.urls import path

from contact import views

app_name = "contact"

urlpatterns = [
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/correct/", views.visit_correct, name="visit_correct"),
    path("visits/photos/<int:pk>/<str:size>/", views.visit_photo, name="visit_photo"),
    path("visits/<int:pk>/signature/", views.visit_signature, name="visit_signature"),
    path("log/", views.my_log, name="my_log"),
    path("households/<int:pk>/timeline/", views.household_timeline, name="household_timeline"),
    path("messages/", views.resident_messages, name="resident_messages"),
    path("messages/<int:pk>/read/", views.resident_message_read, name="resident_message_read"),
    path("pairings/", views.pairing_bulk, name="pairing_bulk"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("households/<int:pk>/reassign/", views.household_reassign, name="household_reassign"),
    path("handover/", views.handover, name="handover"),
    path("handover/<int:cadre_pk>/sheet/", views.handover_sheet, name="handover_sheet"),
]

from contact import views_cards, views_coverage  # noqa: E402

urlpatterns += views_cards.urlpatterns + views_coverage.urlpatterns

from contact import views_help, views_reception  # noqa: E402

urlpatterns += views_help.urlpatterns + views_reception.urlpatterns

from contact import views_reminders  # noqa: E402

urlpatterns += views_reminders.urlpatterns
