from ledgers import views_demands, views_entries, views_resident

app_name = "ledgers"

urlpatterns = views_demands.urlpatterns + views_entries.urlpatterns + views_resident.urlpatterns
