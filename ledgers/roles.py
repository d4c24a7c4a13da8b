"""What each role may do with the ledgers, added to the roles of `contact.roles` when the app loads."""

from contact.roles import Role

_KINDS = [
    "demand",
    "difficultyrecord",
    "stabilitycase",
    "villagesituation",
    "opinionrecord",
    "partysituation",
]

_VIEW = [f"ledgers.view_{k}" for k in _KINDS] + [
    "ledgers.view_demandevent",
    "ledgers.view_returnvisit",
    "ledgers.view_demandattachment",
    "ledgers.view_entrycorrection",
    "ledgers.view_countysettings",
    "ledgers.view_workdayoverride",
    "ledgers.view_ledgersubmission",
]

# Cadres record entries of every kind and correct their own; the services
# check authorship, these only open the door.
_RECORD = [f"ledgers.add_{k}" for k in _KINDS] + [
    *(f"ledgers.change_{k}" for k in _KINDS),
    "ledgers.add_entrycorrection",
    "ledgers.return_visit_demand",
]

LEDGER_PERMISSIONS: dict[str, list[str]] = {
    Role.CADRE: _VIEW + _RECORD,
    Role.TOWNSHIP_LEADER: _VIEW + _RECORD + ["ledgers.assign_demand", "ledgers.close_demand"],
    Role.REVIEWER: _VIEW
    + _RECORD
    + ["ledgers.review_entry", "ledgers.close_demand", "ledgers.change_entrycorrection"],
    Role.SUPERVISOR: _VIEW,
    Role.ADMINISTRATOR: _VIEW
    + [
        "ledgers.add_countysettings",
        "ledgers.change_countysettings",
        "ledgers.add_workdayoverride",
        "ledgers.change_workdayoverride",
        "ledgers.delete_workdayoverride",
    ],
}
