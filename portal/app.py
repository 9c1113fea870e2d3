"""The Streamlit portal: navigation over one view per file in portal/views/, showing
each viewer only the pages their role may use (the views check again)."""

from __future__ import annotations

import streamlit as st

from portal.access import can
from portal.ui import current_viewer, settings_or_stop

st.set_page_config(
    page_title="Cluster Portal", page_icon=":material/hub:", layout="wide"
)

# section, file, title, icon, url path, action the page needs
PAGES = [
    ("Explore", "home", "Home", ":material/home:", "home", "view"),
    ("Explore", "clusters", "Clusters", ":material/map:", "clusters", "view"),
    ("Explore", "organisations", "Organisations", ":material/apartment:", "organisations", "view"),
    ("Work", "collaborators", "Find collaborators", ":material/handshake:", "collaborators",
     "find_collaborators"),
    ("Work", "ask", "Ask", ":material/forum:", "ask", "ask"),
    ("Work", "documents", "Documents", ":material/description:", "documents", "view_documents"),
    ("Work", "my_organisation", "My organisation", ":material/edit:", "my-organisation",
     "edit_own"),
    ("Curate", "curate", "Curate directory", ":material/folder_managed:", "curate", "edit_other"),
    ("Curate", "import_data", "Import", ":material/upload_file:", "import", "import"),
    ("Curate", "review", "Requests", ":material/inbox:", "requests", "review_requests"),
    ("Curate", "audit", "Audit log", ":material/history:", "audit", "audit_log"),
    ("Curate", "users", "Accounts", ":material/group:", "accounts", "user_admin"),
]  # fmt: skip

settings = settings_or_stop()
viewer = current_viewer(settings)
sections: dict[str, list] = {}
for section, file, title, icon, url_path, action in PAGES:
    own_page = action == "edit_own"  # My organisation: accounts with one only
    if can(viewer, action, viewer.organisation_id) and (
        viewer.organisation_id or not own_page
    ):
        sections.setdefault(section, []).append(
            st.Page(
                f"views/{file}.py",
                title=title,
                icon=icon,
                url_path=url_path,
                default=file == "home",
            )
        )
account_title = "Sign in" if not viewer.signed_in else "Account"
sections["Account"] = [
    st.Page(
        "views/sign_in.py",
        title=account_title,
        icon=":material/key:",
        url_path="sign-in",
    )
]
with st.sidebar:
    st.caption(
        f"Signed in as **{viewer.username}** ({viewer.role})"
        if viewer.signed_in
        else "Browsing as the public: sign in to find collaborators and ask."
    )
st.navigation(sections).run()
