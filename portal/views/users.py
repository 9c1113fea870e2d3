"""Accounts: facilitators list accounts, add one, reset a password or remove one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from directory.store import StoreError
from portal import accounts, services
from portal.access import ROLES
from portal.ui import page_viewer, plain

settings, viewer = page_viewer("user_admin")
FLASH = "users-flash"
NO_ORGANISATION = ""


def done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


st.title("Accounts")
flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(flash)

existing = accounts.users(settings, actor=viewer)
st.dataframe(
    pd.DataFrame(
        existing,
        columns=[
            "username",
            "role",
            "organisation_id",
            "failed_logins",
            "locked_until",
            "created_at",
        ],
    ),
    hide_index=True,
    width="stretch",
)
usernames = [a["username"] for a in existing]

st.header("Add an account")
st.caption("A member account belongs to one organisation: find it first.")
found_text = st.text_input("Find the organisation", max_chars=200, key="users-find")
try:
    found = services.search_organisations(settings, found_text, limit=25)
except StoreError as exc:
    st.error(plain(str(exc)))
    found = []
names = {o["id"]: o["name"] for o in found}
organisation = st.selectbox(
    "Organisation",
    [NO_ORGANISATION, *names],
    format_func=lambda i: "(none)" if i == NO_ORGANISATION else f"{names[i]} ({i})",
    key="users-organisation",
)
with st.form("add-account", clear_on_submit=True):
    username = st.text_input("Username", max_chars=64, key="users-new-name")
    role = st.selectbox("Role", [r for r in ROLES if r != "public"], key="users-role")
    password = st.text_input(
        "Initial password", type="password", max_chars=256, key="users-new-password"
    )
    again = st.text_input(
        "Password again", type="password", max_chars=256, key="users-new-password-again"
    )
    add = st.form_submit_button("Add account", type="primary")
if add:
    if password != again:
        st.error("The two passwords differ; nothing was created.")
    else:
        try:
            accounts.add_user(
                settings,
                username.strip(),
                password,
                role,
                organisation or None,
                actor=viewer,
            )
        except StoreError as exc:
            st.error(plain(str(exc)))
        else:
            done(f"Added {plain(username.strip())} ({role}).")

st.header("Reset a password")
with st.form("reset-password", clear_on_submit=True):
    who = st.selectbox("Account", usernames, key="users-reset-name")
    new = st.text_input(
        "New password", type="password", max_chars=256, key="users-reset-password"
    )
    new_again = st.text_input(
        "New password again",
        type="password",
        max_chars=256,
        key="users-reset-password-again",
    )
    reset = st.form_submit_button("Reset password")
if reset:
    if not who:
        st.error("Choose an account.")
    elif new != new_again:
        st.error("The two passwords differ; nothing was changed.")
    else:
        try:
            accounts.set_password(settings, who, new, actor=viewer)
        except StoreError as exc:
            st.error(plain(str(exc)))
        else:
            done(f"New password set for {plain(who)}; their sessions were ended.")

st.header("Remove an account")
others = [name for name in usernames if name != viewer.username]
with st.form("remove-account"):
    gone = st.selectbox("Account", others, key="users-remove-name")
    sure = st.checkbox("Yes, remove this account", key="users-remove-sure")
    remove = st.form_submit_button("Remove account")
if remove:
    if not gone or gone == viewer.username:
        st.error("Choose another account: you cannot remove your own.")
    elif not sure:
        st.warning("Tick the box to confirm the removal.")
    else:
        try:
            accounts.remove_user(settings, gone, actor=viewer)
        except StoreError as exc:
            st.error(plain(str(exc)))
        else:
            done(f"Removed {plain(gone)}.")
