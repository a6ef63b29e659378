"""How the demo signs as qa without a bypass and without waiting (ES-09, AC-08): the enrolment,
the sign-in and the session's first signature each use a distinct TOTP step that the server
accepts now (its own and the one either side); later signatures need the password only; once
those steps are spent the server's replay refusal stands and the demo cannot sign again."""

from __future__ import annotations

import datetime as dt

import pytest

from mederp.catalog import services as catalog
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.identity import credentials
from mederp.identity.models import TotpDevice
from mederp.ui.demo import gtin14
from mederp.ui.demo.people import LAPSE_MARGIN_SECONDS, Authenticator, Desk, sign_in

pytestmark = pytest.mark.django_db

STEP_START = dt.datetime(2026, 6, 15, 2, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def products(make_user):
    make_user("qa", "qa_manager", printed_name="质量经理 王芳")
    system = Actor.system("test")
    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    made = []
    for n in range(3):
        product = catalog.create_product(
            system,
            code=f"P-{n}",
            name_zh=f"产品{n}",
            name_en=f"Product {n}",
            gtin=gtin14(f"069000000{n}101"),
            uom="EA",
            tracking="lot",
            device_class="none",
            category_code="14-01",
        )
        catalog.submit_product(system, product.pk)
        made.append(product)
    return made


def test_enrol_sign_in_and_first_signature_use_three_steps_then_the_password_alone(products):
    with clock.frozen(STEP_START):
        now_step = credentials.current_step()
        desk = Desk("qa", "Correct-Horse-9")
        for product in products:
            catalog.approve_product(desk.actor, product.pk, **desk.sign())
        desk.close()
        device = TotpDevice.objects.get(user__username="qa")
        assert device.confirmed_at is not None
        assert device.last_used_step == now_step + 1
    methods = list(Signature.objects.order_by("pk").values_list("method", flat=True))
    assert methods == ["password+totp", "password", "password"]


def test_near_the_end_of_a_step_the_lapsing_previous_code_is_not_offered(make_user):
    user = make_user("qa", "qa_manager")
    late = STEP_START + dt.timedelta(seconds=30 - LAPSE_MARGIN_SECONDS + 1)
    with clock.frozen(late):
        Authenticator.enrolled(user)
        step = credentials.current_step()
        assert TotpDevice.objects.get(user=user).last_used_step == step


def test_once_every_acceptable_code_is_spent_the_demo_cannot_sign_again(make_user):
    user = make_user("qa", "qa_manager")
    with clock.frozen(STEP_START):
        app = Authenticator.enrolled(user)
        sign_in(user, "Correct-Horse-9", app)
        # The session's first signature would take the last of the three steps:
        TotpDevice.objects.filter(user=user).update(last_used_step=credentials.current_step() + 1)
        with pytest.raises(RuntimeError, match="spent"):
            app.code()
