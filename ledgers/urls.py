from ledgers import views_demands, views_entries, views_resident

app_name = "ledgers"

# A demand's correction page (demands/<pk>/correct/) is the generic one, and
# must come before the demand pages' demands/<pk>/<action>/.
_corrections = [p for p in views_entries.urlpatterns if p.name == "entry_correct"]

urlpatterns = (
    _corrections
    + views_demands.urlpatterns
    + views_entries.urlpatterns
    + views_resident.urlpatterns
)
