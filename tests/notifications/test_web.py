"""The desk's notification pages through Django's test client: the list, the unread count in
the header, marking read, the SMS list with masked phones and the applicant's SMS choices."""

from __future__ import annotations

import re

import pytest

from core.roles import Actor, Role
from delegation import services as s
from delegation.services import Applicant
from notifications import services as notify
from notifications.models import SmsPreference, StaffNotification
from tests.web.conftest import ID_NUMBER, ITEM, ITEM_MATERIALS, TOWNSHIP, VILLAGE, drain

AGENT = Actor(name="王代办", role=Role.AGENT, centre=VILLAGE)
PHONE = "13907171234"

pytestmark = pytest.mark.usefixtures("calendar_kept")


def forwarded() -> str:
    case = s.log_request(
        VILLAGE,
        AGENT,
        applicant=Applicant(kind="person", name="刘桂兰", id_number=ID_NUMBER, phone=PHONE),
        item_code=ITEM,
        materials_received=ITEM_MATERIALS,
    )
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    return case.tracking_no


def unread_in_header(html: str) -> int | None:
    found = re.search(r'data-testid="unread-count"[^>]*>(\d+)<', html)
    return int(found.group(1)) if found else None


def test_the_list_the_header_count_and_mark_read(township_client):
    first, second = forwarded(), forwarded()
    page = township_client.get(f"/c/{TOWNSHIP}/notifications/")
    html = page.content.decode()
    assert page.status_code == 200
    assert unread_in_header(html) == 2
    assert first in html and second in html and "新收办件" in html
    # Every page of the desk shows the count in its header.
    assert unread_in_header(township_client.get(f"/c/{TOWNSHIP}/worklist/").content.decode()) == 2
    note = StaffNotification.objects.get(tracking_no=first)
    response = township_client.post(f"/c/{TOWNSHIP}/notifications/read/", {"id": note.pk})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None and note.read_by
    html = township_client.get(f"/c/{TOWNSHIP}/notifications/").content.decode()
    assert unread_in_header(html) == 1 and first not in html
    assert first in township_client.get(f"/c/{TOWNSHIP}/notifications/?show=all").content.decode()
    township_client.post(f"/c/{TOWNSHIP}/notifications/read/", {"all": "1"})
    html = township_client.get(f"/c/{TOWNSHIP}/notifications/").content.decode()
    assert unread_in_header(html) is None and "没有未读通知" in html


def test_another_centres_notifications_are_neither_shown_nor_marked(township_client, agent_client):
    forwarded()
    note = StaffNotification.objects.get()
    assert agent_client.get(f"/c/{VILLAGE}/notifications/").status_code == 200
    assert (
        note.tracking_no
        not in agent_client.get(f"/c/{VILLAGE}/notifications/?show=all").content.decode()
    )
    agent_client.post(f"/c/{VILLAGE}/notifications/read/", {"id": note.pk})
    note.refresh_from_db()
    assert note.read_at is None
    assert agent_client.get(f"/c/{TOWNSHIP}/notifications/").status_code == 403


def test_the_sms_list_masks_phones_and_the_choices_can_change(agent_client, township_client):
    number = forwarded()
    staff = Actor(name="李窗口", role=Role.STAFF, centre=TOWNSHIP)
    s.accept_case(TOWNSHIP, staff, number)
    drain()
    html = agent_client.get(f"/c/{VILLAGE}/notifications/sms/").content.decode()
    assert "139****1234" in html and PHONE not in html and "受理通知" in html
    response = agent_client.post(
        f"/c/{VILLAGE}/notifications/sms/preference/",
        {"case": number, "opt_out": "1", "language": "en"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?case={number}")
    preference = SmsPreference.objects.get(tracking_no=number)
    assert (preference.opt_out, preference.language) == (True, "en")
    html = agent_client.get(f"/c/{VILLAGE}/notifications/sms/?case={number}").content.decode()
    assert 'value="1" checked' in html
    bad = agent_client.post(
        f"/c/{VILLAGE}/notifications/sms/preference/", {"case": "nope", "opt_out": "1"}, follow=True
    )
    assert "没有办件" in bad.content.decode()


@pytest.mark.parametrize("language", ["en"])
def test_the_page_in_english(township_client, language):
    forwarded()
    township_client.cookies["django_language"] = language
    html = township_client.get(
        f"/c/{TOWNSHIP}/notifications/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Notifications" in html
    assert notify  # the services module is what the page calls


def test_the_opt_out_is_recorded_at_intake(agent_client):
    from tests.web.test_case_flow import new_case_form

    page = agent_client.get(f"/c/{VILLAGE}/cases/new/?item={ITEM}").content.decode()
    assert 'name="sms_opt_out"' in page
    data = new_case_form(agent_client, sms_opt_out="on")
    response = agent_client.post(f"/c/{VILLAGE}/cases/new/", data)
    assert response.status_code == 302
    (preference,) = SmsPreference.objects.all()
    assert preference.opt_out and preference.centre.division_code == VILLAGE
    assert preference.updated_by  # the agent who recorded it


def test_the_pages_run_a_constant_number_of_queries(township_client, agent_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client, path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            notify.notify_staff(TOWNSHIP, "warning_red", f"N-{i}", {"step": "intake"})
            notify.notify_applicant(
                VILLAGE, "decided", tracking_no=f"N-{i}", phone=PHONE, args={"result": "approved"}
            )

    add(3, 0)
    few = count(township_client, f"/c/{TOWNSHIP}/notifications/")
    few_sms = count(agent_client, f"/c/{VILLAGE}/notifications/sms/")
    add(25, 3)
    assert count(township_client, f"/c/{TOWNSHIP}/notifications/") == few
    assert count(agent_client, f"/c/{VILLAGE}/notifications/sms/") == few_sms
    assert few <= 8 and few_sms <= 8, (few, few_sms)


def test_a_digest_of_warnings_links_to_the_worklist_filtered_by_its_level(agent_client):
    import datetime as dt

    from django.test import override_settings

    from supervision import services as sup
    from tests.supervision.test_evaluation import DAY0, at, move

    late = []
    for _n in range(2):
        case = s.log_request(
            VILLAGE,
            AGENT,
            applicant=Applicant(kind="person", name="刘桂兰", id_number=ID_NUMBER, phone=PHONE),
            item_code=ITEM,
            materials_received=ITEM_MATERIALS,
        )
        move(VILLAGE, case.tracking_no, submitted_at=at(DAY0))
        late.append(case.tracking_no)
    on_time = s.log_request(
        VILLAGE,
        AGENT,
        applicant=Applicant(kind="person", name="刘桂兰", id_number=ID_NUMBER, phone=PHONE),
        item_code=ITEM,
        materials_received=ITEM_MATERIALS,
    ).tracking_no
    move(VILLAGE, on_time, submitted_at=at(dt.date(2026, 10, 12)))
    with override_settings(NOTIFY_WARNINGS_EACH_UP_TO=1):
        sup.evaluate(today=dt.date(2026, 10, 12))
    html = agent_client.get(f"/c/{VILLAGE}/notifications/").content.decode()
    assert "本次监察新增 2 件红色预警" in html
    # A village's agents work from the register: the link filters it by the digest's level.
    assert f'href="/c/{VILLAGE}/register/?supervision=red"' in html
    assert unread_in_header(html) == 1
    listed = agent_client.get(f"/c/{VILLAGE}/register/?supervision=red").content.decode()
    assert all(no in listed for no in late) and on_time not in listed
    assert on_time in agent_client.get(f"/c/{VILLAGE}/register/").content.decode()
