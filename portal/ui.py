"""Shared pieces of the Streamlit faces: settings, the signed-in viewer, page guards,
error display, safe text."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from portal import accounts
from portal.access import Viewer, can
from portal.settings import Settings, SettingsError, load_settings

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")
SESSION_TOKEN = "session_token"


@st.cache_resource
def get_settings() -> Settings:
    return load_settings()


def settings_or_stop() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        st.error(f"The portal's settings are invalid: {exc}")
        st.stop()
        raise  # unreachable: st.stop() ends the run


def current_viewer(settings: Settings) -> Viewer:
    """The viewer of this browser session, looked up from its session token in the
    store on every run, so a changed role or an expired session applies at once."""
    token = st.session_state.get(SESSION_TOKEN)
    viewer = accounts.viewer_for(settings, token if isinstance(token, str) else None)
    if token and not viewer.signed_in:
        del st.session_state[SESSION_TOKEN]  # expired or revoked
    return viewer


def page_viewer(action: str = "view") -> tuple[Settings, Viewer]:
    """The settings and viewer of a page that needs action; stops the page with a
    message when the viewer may not take it (also when the URL was typed by hand)."""
    settings = settings_or_stop()
    viewer = current_viewer(settings)
    if not can(viewer, action, viewer.organisation_id):
        st.warning(
            "This page needs you to sign in with an account that may use it."
            if not viewer.signed_in
            else f"Your account ({viewer.role}) may not use this page."
        )
        st.stop()
    return settings, viewer


def plain(text: Any) -> str:
    """Escape text from the directory so markdown and HTML inside it show literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


SIGNAL_NAMES = {
    "similarity": "Similar capabilities",
    "complementarity": "Complementary fields",
    "proximity": "Distance",
    "network": "Network",
    "activity": "Activity",
    "peers": "Organisations like you",
    "newcomers": "Takes on newcomers",
    "clusters": "Shared clusters",
}


def suggestion_card(suggestion: dict[str, Any], rank: int) -> Any:
    """One suggested collaborator: name, kind, place, score, and each signal's
    contribution with its evidence, strongest first. Returns the card container."""
    card = st.container(border=True)
    with card:
        st.markdown(
            f"**{rank}. {plain(suggestion['name'])}**  \n"
            f"{plain(suggestion.get('kind'))} · {plain(suggestion.get('region') or '-')}"
            f" · match score {suggestion['score']:.2f}"
        )
        reasons = sorted(suggestion["reasons"], key=lambda r: -abs(r["contribution"]))
        lines = [
            f"{'▲' if r['contribution'] > 0 else '▼'} "
            f"**{SIGNAL_NAMES.get(r['signal'], r['signal'])}** "
            f"({r['contribution']:+.2f}): {plain(r['detail'])}"
            for r in reasons
        ]
        st.markdown("  \n".join(lines))
        st.page_link(
            "views/organisations.py",
            label="Open profile",
            icon=":material/apartment:",
            query_params={"org": suggestion["id"]},
        )
    return card
