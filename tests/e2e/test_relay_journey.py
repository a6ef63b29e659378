"""Issue 7, point 1a in a real browser (zh-CN): the administrator subscribes a webhook to the
sales events and copies its signing secret, shown once (AC-07 by analogy: a secret is shown
once and stored only encrypted); then replays, with a reason (AT-04), a dead letter the relay
left behind, which the dead-letter page then shows as "replay requested".

The dead letter is made in setup as the relay leaves one after its attempts (the relay itself
is proved in tests/integration/relay/). Screenshots: var/e2e/relay-*.png.
"""

from __future__ import annotations

import pytest

from mederp.core.models import AuditEntry
from mederp.integration.models import DeadLetter, Subscription
from mederp.integration.relay.secrets import open_secret
from tests.e2e.conftest import enrol_totp, login
from tests.integration.relay.subscription_support import dead_letter, emit, webhook

pytestmark = pytest.mark.django_db(transaction=True)

HOOK = "https://erp-b.example.com/mederp/events"


def test_admin_subscribes_a_webhook_sees_its_secret_once_and_replays_a_dead_letter(
    page, shot, make_user
):
    make_user("admin", "administrator", printed_name="系统管理员 Admin")
    enrol_totp("admin")
    legacy, _ = webhook("erp-a", url="https://erp-a.example.com/hooks")
    letter = dead_letter(legacy, emit("sales.order.shipped", 1001))
    login(page, "admin")

    # 1. The Integration menu leads to the subscriptions; a new webhook for the sales events.
    page.goto(f"{page.base_url}/")
    assert page.locator("header a[href='/integration/subscriptions/']").count() == 1
    page.goto(f"{page.base_url}/integration/subscriptions/")
    shot(page, "relay-01-subscriptions")
    page.click("#new-subscription")
    page.wait_for_load_state()
    page.fill("input[name=name]", "erp-b")
    page.select_option("select[name=kind]", "webhook")
    page.fill("input[name=url]", HOOK)
    page.fill("textarea[name=event_types]", "sales.*\ncapa.opened")
    shot(page, "relay-02-new-subscription")
    page.click("#subscription-form button[type=submit]")
    page.wait_for_load_state()

    # 2. The answer shows the secret once; it is what the relay signs with.
    secret = page.locator("#subscription-secret").inner_text().strip()
    sub = Subscription.objects.get(name="erp-b")
    assert secret == open_secret(sub.secret_encrypted)
    assert sub.event_types == ["sales.*", "capa.opened"]
    shot(page, "relay-03-secret-once")
    page.click("#secret-stored")
    page.wait_for_load_state()
    assert "erp-b" in page.locator("h1").inner_text()
    assert secret not in page.content()
    page.reload()
    assert secret not in page.content()
    shot(page, "relay-04-subscription-detail")

    # 3. The dead letter of the other subscription is replayed from the dead-letter page.
    page.goto(f"{page.base_url}/integration/dead-letters/?state=dead")
    row = page.locator(f"tr[data-dead-letter='{letter.pk}']")
    assert row.get_attribute("data-state") == "dead"
    row.locator("input[name=ids]").check()
    page.fill("#replay-form textarea[name=reason]", "ERP-A 接收端已修复（INC-42），重新投递")
    shot(page, "relay-05-dead-letter-selected")
    page.click("#replay-selected")
    page.wait_for_load_state()

    assert DeadLetter.objects.get(pk=letter.pk).state == "replay_requested"
    page.goto(f"{page.base_url}/integration/dead-letters/")
    row = page.locator(f"tr[data-dead-letter='{letter.pk}']")
    assert row.get_attribute("data-state") == "replay_requested"
    assert row.locator("input[name=ids]").count() == 0
    assert page.locator("#replay-selected").count() == 0  # nothing dead is left to replay
    shot(page, "relay-06-replay-requested")
    entry = AuditEntry.objects.get(record_type="integration.deadletter", record_id=str(letter.pk))
    assert entry.reason.startswith("ERP-A") and entry.actor_name.endswith("(admin)")
    assert secret not in " ".join(AuditEntry.objects.values_list("changes", flat=True))

    # 4. The relay status shows both subscriptions and their lag.
    page.goto(f"{page.base_url}/integration/status/")
    assert page.locator("tr[data-subscription]").count() == 2
    shot(page, "relay-07-status")
