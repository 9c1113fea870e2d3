"""Shared pieces of the Streamlit faces: settings, error display, safe text."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from portal.settings import Settings, SettingsError, load_settings

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


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


def plain(text: Any) -> str:
    """Escape text from the directory so markdown and HTML inside it show literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))
