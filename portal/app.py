"""The Streamlit portal: navigation over one view per file in portal/views/."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Cluster Portal", page_icon="🧭", layout="wide")

pages = [
    st.Page("views/home.py", title="Home", icon="🏠", default=True),
    st.Page(
        "views/organisations.py",
        title="Organisations",
        icon="🏢",
        url_path="organisations",
    ),
]
st.navigation(pages).run()
