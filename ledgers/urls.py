from ledgers import views_demands, views_entries, views_resident, views_submission

app_name = "ledgers"

# A demand's correction page (demands/<pk>/correct/) is the generic one, and
# must come before the demand pages' demands/<pk>/<action>/.
_corrections = [p for p in views_entries.urlpatterns if p.name == "entry_correct"]

urlpatterns = (
    _corrections
    # Before the ledger pages' <kind>/: "submissions" is not a ledger.
    + views_submission.urlpatterns
    + views_demands.urlpatterns
    + views_entries.urlpatterns
    + views_resident.urlpatterns
)
