"""Spreadsheet layouts for rosters (花名册), shared by the admin and the export view."""

from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from households.models import Area, Household, HouseholdCategory


class HouseholdResource(resources.ModelResource):
    """One row a household. Imports match on area code + house number + head's name."""

    area = fields.Field(
        attribute="area",
        column_name="区划代码",
        widget=widgets.ForeignKeyWidget(Area, field="code"),
    )
    area_name = fields.Field(column_name="村(组)", readonly=True)
    categories = fields.Field(
        attribute="categories",
        column_name="户类",
        widget=widgets.ManyToManyWidget(HouseholdCategory, field="name", separator="、"),
    )
    house_number = fields.Field(attribute="house_number", column_name="门牌号")
    address = fields.Field(attribute="address", column_name="住址")
    head_name = fields.Field(attribute="head_name", column_name="户主")
    phone = fields.Field(attribute="phone", column_name="电话")
    housing = fields.Field(attribute="housing", column_name="住房")
    annual_income = fields.Field(attribute="annual_income", column_name="年收入(元)")
    income_sources = fields.Field(attribute="income_sources", column_name="收入来源")
    employment = fields.Field(attribute="employment", column_name="就业")
    health_notes = fields.Field(attribute="health_notes", column_name="健康")

    class Meta:
        model = Household
        import_id_fields = ("area", "house_number", "head_name")
        fields = (
            "area",
            "area_name",
            "house_number",
            "address",
            "head_name",
            "phone",
            "categories",
            "housing",
            "annual_income",
            "income_sources",
            "employment",
            "health_notes",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def dehydrate_area_name(self, household):
        return household.area.full_name if household.area_id else ""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def before_import_row(self, row, **kwargs):
        """A roster row may only place a household inside the importing user's scope."""
        code = str(row.get("区划代码") or "").strip()
        if (
            self.user is not None
            and not Area.objects.visible_to(self.user).filter(code=code).exists()
        ):
            raise ValueError(
                _("Area code %(code)s is outside your area or does not exist.") % {"code": code}
            )
