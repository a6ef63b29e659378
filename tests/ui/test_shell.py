"""The UI shell: sign-in, language switch (zh-Hans default, en), navigation by permission."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default():
    r = Client().get("/accounts/login/")
    assert r.status_code == 200
    assert 'lang="zh-hans"' in r.content.decode()


def test_sign_in_with_a_wrong_password_shows_an_error_and_stays_out(make_user):
    make_user("li", "warehouse")
    r = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"username": "li", "password": "wrong"}
    )
    assert r.status_code == 200 and 'role="alert"' in r.content.decode()


def test_sign_in_lands_on_the_dashboard(make_user):
    make_user("li", "warehouse")
    client = Client()
    r = client.post("/accounts/login/", {"username": "li", "password": "Correct-Horse-9"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/").status_code == 200


def test_language_switch_sets_english(make_user):
    make_user("li", "warehouse")
    client = Client()
    client.post("/accounts/login/", {"username": "li", "password": "Correct-Horse-9"})
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()


def test_navigation_shows_only_permitted_areas(make_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("w", "warehouse"))
    text = client.get("/").content.decode()
    assert "/inventory/" in text and "/audit/" not in text
    client.force_login(make_user("a", "auditor"))
    assert "/audit/" in client.get("/").content.decode()


def test_healthz_is_open_and_reports_the_database():
    r = Client().get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_a_refused_page_explains_itself_in_the_users_language(make_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(make_user("p", "production"))
    r = client.get("/catalog/products/new/")
    assert r.status_code == 403 and "无权访问" in r.content.decode()
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and "页面或记录不存在" in r.content.decode()
