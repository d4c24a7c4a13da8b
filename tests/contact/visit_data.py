"""A small 桤泉镇 for the visit tests: one village, two households, a paired cadre and an outsider."""

import io
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from contact.models import Cadre, Pairing
from contact.roles import Role
from contact.services import pairing_assign_households
from households.models import Area, Household, HouseholdCategory


@dataclass
class Place:
    county: Area
    township: Area
    village: Area
    other_township: Area
    other_village: Area
    household: Household
    neighbour: Household
    outsider_household: Household
    cadre: Cadre
    outsider: Cadre
    leader: Cadre


def make_cadre(username, name, area, role=Role.CADRE, rank=Cadre.Rank.TOWNSHIP):
    user = User.objects.create_user(username, password="Pass1234word", is_staff=role != Role.CADRE)
    user.groups.add(Group.objects.get(name=role.value))
    return Cadre.objects.create(
        user=user,
        name=name,
        unit="桤泉镇人民政府",
        rank=rank,
        scope_area=area,
        must_change_password=False,
    )


def build_place() -> Place:
    county = Area.objects.create(code="510184", name="崇州市", level=Area.Level.COUNTY)
    township = Area.objects.create(
        code="510184104", name="桤泉镇", level=Area.Level.TOWNSHIP, parent=county
    )
    village = Area.objects.create(
        code="510184104201", name="群安村", level=Area.Level.VILLAGE, parent=township
    )
    other_township = Area.objects.create(
        code="510184002", name="羊马街道", level=Area.Level.TOWNSHIP, parent=county
    )
    other_village = Area.objects.create(
        code="510184002201", name="永康村", level=Area.Level.VILLAGE, parent=other_township
    )
    household = Household.objects.create(area=village, head_name="向朝清", house_number="12号")
    household.categories.add(HouseholdCategory.objects.get(code="kunnan"))
    neighbour = Household.objects.create(area=village, head_name="刘永林", house_number="3号")
    outsider_household = Household.objects.create(
        area=other_village, head_name="王春发", house_number="5号"
    )
    cadre = make_cadre("zhangli", "张丽", village)
    outsider = make_cadre("outsider", "李外", other_village)
    leader = make_cadre(
        "wangchenglong", "王成龙", township, Role.TOWNSHIP_LEADER, Cadre.Rank.TOWNSHIP_LEADER
    )
    pairing_assign_households(cadre=cadre, households=[household])
    assert Pairing.objects.filter(cadre=cadre).count() == 1
    return Place(
        county,
        township,
        village,
        other_township,
        other_village,
        household,
        neighbour,
        outsider_household,
        cadre,
        outsider,
        leader,
    )


def jpeg_upload(
    name="photo.jpg", size=(3000, 2000), exif=None, orientation=None, color=(200, 30, 30)
):
    image = Image.new("RGB", size, color)
    # Mark the top-left corner so that a test can tell whether orientation was applied.
    image.paste((0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    out = io.BytesIO()
    exif_data = Image.Exif()
    if orientation:
        exif_data[0x0112] = orientation
    if exif:
        for tag, value in exif.items():
            exif_data[tag] = value
    image.save(out, "JPEG", exif=exif_data.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
