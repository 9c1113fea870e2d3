"""A Streamlit browser session without the browser: the page's HTTP requests, then
the websocket to /_stcore/stream exchanging protobuf BackMsg / ForwardMsg as the
frontend does. Used by bench/portal_load.py to run many real sessions at once."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

XSRF_COOKIE = "_streamlit_xsrf"
FINAL = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)
TEXT_KINDS = ("markdown", "heading", "alert", "text", "code")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class SessionError(Exception):
    """The session broke: the connection dropped, or the server did not finish."""


class ConnectionDropped(SessionError):
    pass


class RunTimeout(SessionError):
    pass


@dataclass
class ScriptRun:
    """What one script run sent (the last run, when it reran itself): its elements
    and blocks by delta path, how it ended, and the seconds until it ended."""

    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)
    blocks: dict[tuple[int, ...], Block] = field(default_factory=dict)
    status: int | None = None
    compile_error: str | None = None
    page_script_hash: str = ""
    seconds: float = 0.0

    def add(self, message: ForwardMsg) -> None:
        path = tuple(message.metadata.delta_path)
        kind = message.delta.WhichOneof("type")
        if kind == "new_element":
            self.elements[path] = message.delta.new_element
        elif kind == "add_block":
            self.blocks[path] = message.delta.add_block
            self.elements.pop(path, None)

    def of_type(self, kind: str, inside: tuple[int, ...] = ()) -> Iterator[Any]:
        """The elements of one kind (heading, markdown, button …) in page order."""
        for path in sorted(self.elements):
            element = self.elements[path]
            if path[: len(inside)] == inside and element.WhichOneof("type") == kind:
                yield getattr(element, kind)

    def texts(self, inside: tuple[int, ...] = ()) -> list[str]:
        """Every visible text (markdown, headings, alerts, text, code) in order."""
        found = []
        for path in sorted(self.elements):
            element = self.elements[path]
            kind = element.WhichOneof("type")
            if path[: len(inside)] == inside and kind in TEXT_KINDS:
                proto = getattr(element, kind)
                found.append(proto.code_text if kind == "code" else proto.body)
        return found

    def headings(self, tag: str = "h1") -> list[str]:
        return [h.body for h in self.of_type("heading") if h.tag == tag]

    def exceptions(self) -> list[str]:
        shown = [f"{e.type}: {e.message}" for e in self.of_type("exception")]
        return shown + ([self.compile_error] if self.compile_error else [])

    def alerts(self, alert_format: int) -> list[str]:
        return [a.body for a in self.of_type("alert") if a.format == alert_format]

    def widget_id(self, kind: str, label: str | None = None) -> str:
        """The id of the first widget of this kind (with this label)."""
        for widget in self.of_type(kind):
            if label is None or widget.label == label:
                return str(widget.id)
        raise LookupError(f"no {kind} labelled {label!r} on the page")

    def chat_messages(self) -> list[tuple[str, list[str]]]:
        """Each chat message in order: its author and the texts inside it."""
        return [
            (block.chat_message.name, self.texts(path))
            for path, block in sorted(self.blocks.items())
            if block.WhichOneof("type") == "chat_message"
        ]


def text_value(widget_id: str, value: str) -> WidgetState:
    return WidgetState(id=widget_id, string_value=value)


def trigger(widget_id: str) -> WidgetState:
    """A button or form-submit press."""
    return WidgetState(id=widget_id, trigger_value=True)


def chat_value(widget_id: str, text: str) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.chat_input_value.data = text
    return state


def files_value(widget_id: str, files: Iterable[UploadedFileInfo]) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.file_uploader_state_value.uploaded_file_info.extend(files)
    return state


class StreamlitSession:
    """One browser tab: open() loads the page and connects, run() reruns the script
    on a page with widget values and waits for the run to finish."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.pages: dict[str, str] = {}  # url path ("" for the default) -> hash
        self.session_id = ""
        self._ws: ClientConnection | None = None

    async def open(self) -> None:
        """GET the page and its configuration as the browser does, then connect."""
        for path in ("/", "/_stcore/health", "/_stcore/host-config"):
            await asyncio.to_thread(self._http, "GET", path)
        xsrf = self.cookies.get(XSRF_COOKIE, "")
        self._ws = await connect(
            self.base_url.replace("http", "ws", 1) + "/_stcore/stream",
            origin=self.base_url,  # type: ignore[arg-type]
            subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],  # type: ignore[list-item]
            additional_headers={"Cookie": self._cookie_header()},
            proxy=None,
            max_size=None,
            ping_interval=None,  # a browser never pings; the server pings us
            open_timeout=self.timeout,
        )

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def run(
        self,
        page: str | None = None,
        query: str = "",
        widgets: Iterable[WidgetState] = (),
    ) -> ScriptRun:
        """Rerun the script on page (a url path; None: the current one) and read
        until its run ends; a run that reran itself (st.rerun, switch_page) counts
        as one, ending with the last run."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = query
        if page is not None:
            state.page_script_hash = self.pages[page]
        state.widget_states.widgets.extend(widgets)
        started = time.perf_counter()
        await self._send(message)
        result = ScriptRun()
        deadline = time.monotonic() + self.timeout
        while result.status not in FINAL:
            forward = await self._receive(deadline)
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                result = ScriptRun(
                    page_script_hash=forward.new_session.page_script_hash
                )
                self._read_session(forward)
            elif kind == "navigation":
                self.pages = self._page_hashes(forward.navigation.app_pages)
            elif kind == "delta":
                result.add(forward)
            elif kind == "session_event" and forward.session_event.HasField(
                "script_compilation_exception"
            ):
                error = forward.session_event.script_compilation_exception
                result.compile_error = f"{error.type}: {error.message}"
            elif kind == "script_finished":
                result.status = forward.script_finished
        result.seconds = time.perf_counter() - started
        return result

    async def upload(self, name: str, data: bytes) -> UploadedFileInfo:
        """Upload a file as st.file_uploader does: ask for its URLs, PUT it."""
        request_id = uuid.uuid4().hex
        message = BackMsg()
        message.file_urls_request.request_id = request_id
        message.file_urls_request.session_id = self.session_id
        message.file_urls_request.file_names.append(name)
        await self._send(message)
        deadline = time.monotonic() + self.timeout
        while True:
            forward = await self._receive(deadline)
            response = forward.file_urls_response
            if forward.HasField("file_urls_response") and (
                response.response_id == request_id
            ):
                break
        urls = response.file_urls[0]
        await asyncio.to_thread(self._put_file, urls.upload_url, name, data)
        return UploadedFileInfo(
            file_id=urls.file_id,
            name=name,
            size=len(data),
            file_urls=FileURLs(
                file_id=urls.file_id,
                upload_url=urls.upload_url,
                delete_url=urls.delete_url,
            ),
        )

    # -- wire ----------------------------------------------------------------------

    async def _send(self, message: BackMsg) -> None:
        if self._ws is None:
            raise SessionError("the session is not open")
        try:
            await self._ws.send(message.SerializeToString())
        except Exception as exc:
            raise ConnectionDropped(f"sending failed: {exc!r}") from exc

    async def _receive(self, deadline: float) -> ForwardMsg:
        if self._ws is None:
            raise SessionError("the session is not open")
        left = deadline - time.monotonic()
        try:
            data = await asyncio.wait_for(self._ws.recv(), max(left, 0.001))
        except TimeoutError as exc:
            raise RunTimeout(f"no end of the run within {self.timeout:.0f} s") from exc
        except Exception as exc:
            raise ConnectionDropped(f"the connection dropped: {exc!r}") from exc
        forward = ForwardMsg()
        forward.ParseFromString(data if isinstance(data, bytes) else data.encode())
        return forward

    def _read_session(self, message: ForwardMsg) -> None:
        new_session = message.new_session
        if new_session.initialize.session_id:
            self.session_id = new_session.initialize.session_id
        if new_session.app_pages:
            self.pages = self._page_hashes(new_session.app_pages)

    @staticmethod
    def _page_hashes(pages: Iterable[Any]) -> dict[str, str]:
        hashes = {page.url_pathname: page.page_script_hash for page in pages}
        for page in pages:
            if page.is_default:
                hashes[""] = page.page_script_hash
        return hashes

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _http(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        url = path if path.startswith("http") else self.base_url + path
        request = urllib.request.Request(url, data=body, method=method)
        for name, value in {"Cookie": self._cookie_header(), **(headers or {})}.items():
            if value:
                request.add_header(name, value)
        with _NO_PROXY.open(request, timeout=self.timeout) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return bytes(response.read())

    def _put_file(self, upload_url: str, name: str, data: bytes) -> None:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        self._http(
            "PUT",
            upload_url,
            body,
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-Xsrftoken": self.cookies.get(XSRF_COOKIE, ""),
                "Origin": self.base_url,
            },
        )


def describe(run: ScriptRun) -> str:
    """A short summary of a run for error reports: its h1 and first texts."""
    return json.dumps({"h1": run.headings(), "texts": run.texts()[:3]})[:300]
