"""到账了吗: after approval the applicant says whether the money or service arrived. It is the
funnel's last step, and 还没到 a month after approval puts the application on the staff's
list of people to call."""

from __future__ import annotations

import datetime as dt

from people import form, key, new_client, signed_in
from test_campaigns import make_campaign
from test_sms import PHONE, move

from service import clock
from service.models import Application


async def approved(app, client, **over) -> dict:
    r = await client.post("/api/applications", json=form(**{"phone": PHONE, **over}),
                          headers=key())
    assert r.status_code == 201, r.text
    a = r.json()
    await move(app, a["reference"], "in_review", "approved")
    return a


def answer(client, reference: str, received, phone: str = PHONE):
    return client.post(f"/api/applications/{reference}/received",
                       json={"phone": phone, "received": received})


async def test_an_approved_applicant_is_asked_and_their_answer_is_kept(app, client, people):
    a = await approved(app, client)
    status = (await client.get(f"/api/applications/{a['reference']}",
                               params={"phone": PHONE})).json()
    assert status["ask_received"] is True and status["received"] is None
    r = await answer(client, a["reference"], True)
    assert r.status_code == 200 and r.json()["received"] is True
    first = (await Application.get(reference=a["reference"])).received_at
    again = await answer(client, a["reference"], True)  # a double tap, or a retry
    assert again.status_code == 200 and again.json() == r.json()
    assert (await Application.get(reference=a["reference"])).received_at == first
    looked_up = (await client.get(f"/api/applications/{a['reference']}",
                                  params={"phone": PHONE})).json()
    assert looked_up["received"] is True and looked_up["received_at"]


async def test_only_an_approved_application_can_be_answered(app, client, people):
    r = await client.post("/api/applications", json=form(phone=PHONE), headers=key())
    reference = r.json()["reference"]
    assert (await client.get(f"/api/applications/{reference}", params={"phone": PHONE})
            ).json()["ask_received"] is False
    refused = await answer(client, reference, True)
    assert refused.status_code == 409 and refused.json()["code"] == "not_approved"
    assert "还没有审核通过" in refused.json()["message"]
    assert (await Application.get(reference=reference)).received is None


async def test_the_answer_needs_the_phone_it_was_sent_with_and_guessing_is_throttled(
        app, client, people):
    a = await approved(app, client)
    wrong = await answer(client, a["reference"], False, phone="13900001111")
    assert wrong.status_code == 404 and wrong.json()["code"] == "application_not_found"
    bad = await client.post(f"/api/applications/{a['reference']}/received",
                            json={"phone": PHONE})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "received"
    assert (await Application.get(reference=a["reference"])).received is None
    async with new_client(app, "10.9.9.9") as guesser:  # lookups and answers count together
        for i in range(5):
            await guesser.get(f"/api/applications/{a['reference']}",
                              params={"phone": f"1390000{i:04d}"})
            await answer(guesser, a["reference"], False, phone=f"1370000{i:04d}")
        locked = await answer(guesser, a["reference"], True)  # even with the right phone
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert (await Application.get(reference=a["reference"])).received is None


async def test_received_is_the_funnels_last_step_on_the_campaign_figures(app, client, people):
    made = await make_campaign(app)
    code = made["code"]
    app.state.campaigns.forget()
    yes = await approved(app, client, campaign=code)
    no = await approved(app, client, campaign=code)
    await approved(app, client, campaign=code)  # not answered yet
    await answer(client, yes["reference"], True)
    await answer(client, no["reference"], False)
    c, _ = await signed_in(app, "stats")  # figures only: a viewer sees them too
    [row] = (await c.get("/api/staff/campaigns")).json()["campaigns"]
    assert (row["applications"], row["approved"], row["received"]) == (3, 3, 1)
    one = (await c.get(f"/api/staff/campaigns/{code}")).json()
    assert one["received"] == 1 and sum(d["received"] for d in one["by_day"]) == 1
    page = (await c.get(f"/staff/campaigns/{code}")).text
    assert "<th>通过</th><th>到账</th>" in page
    assert "<td>3</td><td>1</td>" in page  # approved, then received
    await c.aclose()


async def test_still_not_there_a_month_after_approval_is_on_the_list_to_call(app, client,
                                                                              people):
    early = await approved(app, client, name="李早")
    late = await approved(app, client, name="王晚", phone="13911112222")
    got = await approved(app, client, name="张到", phone="13933334444")
    await answer(client, early["reference"], False)  # a week in: nothing to worry about yet
    with clock.frozen(clock.now() + dt.timedelta(days=31)):
        assert (await answer(client, late["reference"], False, "13911112222")).status_code == 200
        await answer(client, got["reference"], True, "13933334444")
    c, _ = await signed_in(app, "teng")
    calls = (await c.get("/staff/follow-ups")).text
    assert "说还没到账的（共 1 份）" in calls and "王晚" in calls
    assert "李早" not in calls and "张到" not in calls
    flagged = {r["name"]: r["follow_up"] for r in
               (await c.get("/api/staff/applications")).json()["applications"]}
    assert flagged == {"李早": False, "王晚": True, "张到": False}
    detail = (await c.get(f"/staff/applications/{late['reference']}")).text
    assert "到账了吗：还没到" in detail and "请打电话问一下" in detail
    await c.aclose()
    other, _ = await signed_in(app, "shan")  # another district's reviewer: not theirs
    assert "王晚" not in (await other.get("/staff/follow-ups")).text
    await other.aclose()
