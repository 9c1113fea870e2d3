"""Sign in with a portal account, or see who you are and sign out."""

from __future__ import annotations

import streamlit as st

from directory.store import StoreError
from portal import accounts
from portal.ui import SESSION_TOKEN, current_viewer, plain, settings_or_stop

settings = settings_or_stop()
viewer = current_viewer(settings)

if viewer.signed_in:
    st.title("Account")
    st.write(f"Signed in as **{plain(viewer.username)}**, role **{viewer.role}**.")
    if viewer.organisation_id:
        st.write(f"Organisation: `{viewer.organisation_id}`")
    st.caption(f"Sessions last {settings.auth.session_minutes} minutes from sign-in.")
    if st.button("Sign out", type="primary"):
        accounts.sign_out(settings, st.session_state[SESSION_TOKEN])
        del st.session_state[SESSION_TOKEN]
        st.rerun()
    st.stop()

st.title("Sign in")
st.caption(
    "Members find collaborators and keep their organisation's record up to date; "
    "officials ask the documents; facilitators curate the directory. Visitors can "
    "browse clusters and organisations without signing in."
)
with st.form("sign-in"):
    username = st.text_input("Username", max_chars=64)
    password = st.text_input("Password", type="password", max_chars=256)
    submitted = st.form_submit_button("Sign in", type="primary")
if submitted:
    try:
        signed_in, token = accounts.sign_in(settings, username, password)
    except StoreError as exc:
        st.error(str(exc))
    else:
        st.session_state[SESSION_TOKEN] = token
        st.switch_page("views/home.py")
st.caption(
    "No account? A facilitator creates one with "
    "`cluster-portal user add NAME --role member --organisation ID`."
)
