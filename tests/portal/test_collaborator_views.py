"""Organisation profiles and Find collaborators on the demo: suggestions with
reasons, filters, introduction requests, and private fields kept from the public."""

from __future__ import annotations

import pytest

from directory.matching import Filters
from portal import matching, member_requests, services
from portal.access import OPERATOR, PUBLIC, AccessDenied, Viewer
from portal.settings import Settings
from portal.workspace import open_store

ORG = "university-of-strathclyde"


def _markdown(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(m.value for m in at.markdown)


@pytest.fixture
def private(demo: Settings) -> Settings:
    with open_store(demo) as store:
        store.update_organisation(
            ORG,
            {"contact_email": "partnerships@strath.example", "notes": "VIP"},
            "test",
        )
    return demo


def test_public_profile_hides_private_fields_and_suggestions(
    private: Settings, open_app
) -> None:
    at = open_app(private)(None, page="views/organisations.py")
    at.text_input[0].input("strathclyde")
    at.button[0].click().run()
    assert not at.exception
    shown = str([t.value for t in at.table]) + _markdown(at) + str(at.text)
    assert "strath.example" not in shown and "VIP" not in shown
    assert any("Sign in to see suggested" in c.value for c in at.caption)
    assert not any("Change history" in e.label for e in at.expander)
    clusters = [s.value for s in at.subheader if s.value.startswith("Clusters (")]
    assert clusters and clusters[0] != "Clusters (0)"  # the demo puts it in clusters


def test_facilitator_profile_shows_private_fields_and_suggestions(
    private: Settings, open_app
) -> None:
    at = open_app(private)("facilitator")
    at.query_params["org"] = ORG
    at.switch_page("views/organisations.py").run()
    at.text_input[0].input("strathclyde")
    at.button[0].click().run()
    assert not at.exception
    assert "partnerships@strath.example" in str(at.table[0].value)
    expected = matching.suggestions_for(private, OPERATOR, organisation=ORG, k=5)
    names = [s["name"] for s in expected["suggestions"]]
    text = _markdown(at)
    assert all(name in text for name in names)
    assert "▲" in text  # each card carries signed contributions with evidence


def test_find_collaborators_for_a_need_with_filters(demo: Settings, open_app) -> None:
    at = open_app(demo)("official", page="views/collaborators.py")
    at.segmented_control[0].set_value("A need").run()
    at.text_area[0].input("a university partner for marine energy in Scotland").run()
    assert not at.exception
    cards = [m.value for m in at.markdown if m.value.startswith("**1. ")]
    assert cards, _markdown(at)
    assert "university" in cards[0]
    assert not [b for b in at.button if b.label == "Request an introduction"]


def test_member_requests_an_introduction_that_facilitators_see(
    demo: Settings, open_app
) -> None:
    at = open_app(demo)("member", ORG, page="views/collaborators.py")
    assert at.text_input[0].value == ORG  # their own organisation by default
    assert not at.exception
    first = next(b for b in at.button if b.label == "Request an introduction")
    first.click().run()
    assert not at.exception
    assert at.success, [e.value for e in at.error]
    facilitator = Viewer("facilitator", "fac")
    queue = member_requests.introduction_queue(demo, facilitator)
    assert len(queue) == 1
    assert queue[0]["from_organisation"] == ORG
    assert queue[0]["requested_by"] == "member-user"


def test_filters_and_access_of_suggestions(demo: Settings) -> None:
    filtered = matching.suggestions_for(
        demo, OPERATOR, organisation=ORG, k=10, filters=Filters(kind="business")
    )
    assert filtered["suggestions"]
    assert {s["kind"] for s in filtered["suggestions"]} == {"business"}
    with pytest.raises(AccessDenied):
        matching.suggestions_for(demo, PUBLIC, organisation=ORG)
    found = services.search_organisations(demo, "strathclyde", viewer=PUBLIC)
    assert found and all("contact_email" not in o for o in found)


def test_a_link_opens_a_profile_beyond_the_first_results(
    demo: Settings, open_app
) -> None:
    everyone = services.search_organisations(demo, "", limit=5000)
    last = sorted(everyone, key=lambda o: o["name"])[-1]  # not in the first 200
    at = open_app(demo)
    app = at(None)
    app.query_params["org"] = last["id"]
    app.switch_page("views/organisations.py").run()
    assert not app.exception
    assert [h.value for h in app.header] == [last["name"]]
    app.text_input[0].input("strathclyde")
    app.button[0].click().run()  # a new search shows its own result
    assert [h.value for h in app.header] == ["University of Strathclyde"]
    app.query_params["org"] = last["id"]  # then a link followed in the same session
    app.run()
    assert [h.value for h in app.header] == [last["name"]]
