"""Load: concurrent real portal sessions (HTTP + the Streamlit websocket protocol, no
browser) signing in, browsing and asking for a while, as a facilitator imports a
members file through the Import page; page renders, answers, errors, p50/p95.

    .venv/bin/python bench/portal_load.py [--sessions 20] [--seconds 120]
        [--import-rows 3000] [--workspace DIR]

Builds the demo workspace in a temp folder (or copies --workspace, a built one),
serves it with `streamlit run` on 127.0.0.1 and warms it with one question first.
An error is an exception shown by the app, an st.error, a page without what it
should show, a dropped connection or a run not finished within --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO))

from streamlit.proto.Alert_pb2 import Alert  # noqa: E402

from portal import accounts, services  # noqa: E402
from portal.settings import Settings, load_settings  # noqa: E402
from portal.workspace import open_store  # noqa: E402
from tests.portal import browser_support as browser  # noqa: E402
from tests.portal import streamlit_client as client  # noqa: E402
from tests.portal.streamlit_client import ScriptRun, SessionError  # noqa: E402

PASSWORD = "load test password 1"
IMPORT_PREFIX = "Loadtest Synthetic Member"
SEARCH_WORDS = ("university", "energy", "health", "software", "materials", "marine")
NEEDS = (
    "a university partner for hydrogen storage trials near Aberdeen",
    "materials testing for composite aircraft parts",
    "clinical trial support for a medical device start-up",
    "software engineers for offshore wind monitoring",
)
PAGES = {  # action -> (name in the report, url path, its h1)
    "home": ("Home", "", "Cluster Portal"),
    "clusters": ("Clusters", "clusters", "Clusters"),
    "organisations": ("Organisations", "organisations", "Organisations"),
    "ask": ("Ask", "ask", "Ask"),
    "sign_in": ("Sign in", "sign-in", "Sign in"),
    "import": ("Import", "import", "Import"),
}
LINKS = {  # action -> (name in the report, url path, query parameter)
    "cluster_page": ("Cluster page (?cluster=)", "clusters", "cluster"),
    "profile": ("Organisation profile (?org=)", "organisations", "org"),
}
ACTIONS = {  # action -> weight, for the public and for signed-in sessions
    "home": (2, 1),
    "clusters": (2, 1),
    "cluster_page": (3, 2),
    "organisations": (2, 1),
    "profile": (2, 1),
    "search": (1, 1),
    "collaborators": (0, 2),
    "ask": (0, 4),
    "come_back": (1, 1),
}


OPTIONS = [  # name, default, meaning
    ("sessions", 20, "concurrent browsing sessions"),
    ("seconds", 120.0, "how long they browse"),
    ("think", 1.0, "mean pause between a session's actions (s)"),
    ("ramp", 5.0, "start the sessions over this many seconds"),
    ("import-rows", 3000, "SYNTHETIC members in the facilitator's file"),
    ("import-at", 20.0, "seconds into the run the facilitator starts importing"),
    ("timeout", 120.0, "longest wait for one script run (s)"),
]


class SignInFailed(Exception):
    """Signing in failed (the failing page is already recorded as an error)."""


@dataclass
class Data:
    """What the sessions pick from: accounts, clusters, organisations, questions."""

    accounts: list[tuple[str, str]]  # username, role ("" for the public)
    facilitator: str
    clusters: list[tuple[str, str]]
    organisations: list[tuple[str, str]]
    questions: list[str]
    members_csv: bytes


@dataclass
class Stats:
    renders: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    answers: list[float] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    warnings: Counter[str] = field(default_factory=Counter)
    imports: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)

    def error(self, who: str, action: str, kind: str, detail: str) -> None:
        self.errors.append((kind, f"{who} {action}", detail[:400]))


class Run(NamedTuple):
    """What every session of one run shares."""

    url: str
    data: Data
    stats: Stats
    timeout: float


def unescaped(text: str) -> str:
    """Text as the app wrote it before portal.ui.plain escaped it for markdown."""
    return re.sub(r"\\(.)", r"\1", text)


class Visitor:
    """One browser session: signs in (unless public) and browses at random."""

    def __init__(self, run: Run, who: str, role: str, seed: int) -> None:
        self.url, self.data, self.stats, self.timeout = run
        self.who, self.role = who, role
        self.rng = random.Random(seed)
        self.session = client.StreamlitSession(self.url, self.timeout)

    async def page(
        self, name: str, check: Callable[[ScriptRun], bool], **run: Any
    ) -> ScriptRun | None:
        """Run the script, record its time; record an error when the run shows one
        or lacks what check wants."""
        result = await self.session.run(**run)
        problems = result.exceptions() + result.alerts(Alert.ERROR)
        for problem in problems:
            self.stats.error(self.who, name, "exception or st.error", problem)
        self.stats.warnings.update(name for _ in result.alerts(Alert.WARNING))
        if problems:
            return None
        if not check(result):
            self.stats.error(self.who, name, "unexpected page", client.describe(result))
            return None
        self.stats.renders[name].append(result.seconds)
        return result

    async def start(self) -> None:
        self.session = client.StreamlitSession(self.url, self.timeout)
        await self.session.open()
        await self.page("Home (landing)", lambda r: r.headings() == ["Cluster Portal"])
        if self.role:
            await sign_in(self, self.who)

    async def open_page(self, action: str) -> ScriptRun | None:
        name, path, title = PAGES[action]
        return await self.page(name, lambda r: r.headings() == [title], page=path)

    async def follow_link(self, action: str) -> None:
        """Open a cluster's or an organisation's page by its link (?cluster=ID)."""
        name, path, parameter = LINKS[action]
        picks = (
            self.data.clusters if parameter == "cluster" else self.data.organisations
        )
        item_id, title = self.rng.choice(picks)
        await self.page(
            name,
            lambda r: title in map(unescaped, r.headings("h2")),
            page=path,
            query=f"{parameter}={item_id}",
        )

    async def collaborators(self) -> None:
        query = "" if self.role == "member" else f"need={self.rng.choice(NEEDS)}"
        await self.page(
            "Find collaborators",
            lambda r: any(h.startswith("Suggested partners") for h in r.headings("h3")),
            page="collaborators",
            query=query,
        )

    async def search(self) -> None:
        shown = await self.open_page("organisations")
        if shown is None:
            return
        word = self.rng.choice(SEARCH_WORDS)
        widgets = [
            client.text_value(shown.widget_id("text_input", "Search"), word),
            client.trigger(shown.widget_id("button", "Search")),
        ]
        await self.page(
            "Organisations search",
            lambda r: any(" shown" in t for t in r.texts()),
            page="organisations",
            widgets=widgets,
        )

    async def ask(self) -> None:
        shown = await self.open_page("ask")
        if shown is None:
            return
        question = self.rng.choice(self.data.questions)
        box = client.chat_value(shown.widget_id("chat_input"), question)
        answer = await self.page(
            "(answer)", lambda r: answered(r, question), page="ask", widgets=[box]
        )
        if answer is not None:
            self.stats.answers.append(self.stats.renders.pop("(answer)")[-1])


async def sign_in(visitor: Visitor, username: str) -> None:
    form = await visitor.open_page("sign_in")
    if form is None:
        raise SignInFailed
    widgets = [
        client.text_value(form.widget_id("text_input", "Username"), username),
        client.text_value(form.widget_id("text_input", "Password"), PASSWORD),
        client.trigger(form.widget_id("button", "Sign in")),
    ]
    done = await visitor.page(
        "Sign in (submit)",
        lambda r: any(f"Signed in as **{username}**" in t for t in r.texts()),
        page="sign-in",
        widgets=widgets,
    )
    if done is None:
        raise SignInFailed


def answered(run: ScriptRun, question: str) -> bool:
    """The run ended with the question and, after it, the assistant's answer text
    (not a warning such as "Please ask again")."""
    messages = run.chat_messages()
    if len(messages) < 2 or run.alerts(Alert.WARNING):
        return False
    (asker, asked), (author, texts) = messages[-2], messages[-1]
    shown = question[:300] + (" …" if len(question) > 300 else "")
    return (
        asker == "user"
        and [unescaped(t) for t in asked] == [shown]
        and author == "assistant"
        and any(t.strip() for t in texts)
    )


async def browse(visitor: Visitor, deadline: float, think: float) -> None:
    """Start, then random actions until the deadline; a broken session is recorded
    and replaced by a new one, as a user would reload the page."""
    weights = [w[0 if not visitor.role else 1] for w in ACTIONS.values()]
    started = False
    while time.monotonic() < deadline:
        action = (
            "start" if not started else visitor.rng.choices(list(ACTIONS), weights)[0]
        )
        try:
            if not started:
                await visitor.start()
            elif action in LINKS:
                await visitor.follow_link(action)
            elif action == "come_back":  # a new tab: connect and sign in again
                await visitor.session.close()
                await visitor.start()
            elif action in ("search", "collaborators", "ask"):
                await getattr(visitor, action)()
            else:
                await visitor.open_page(action)
            started = True
        except (SessionError, LookupError, SignInFailed) as exc:
            if not isinstance(exc, SignInFailed):
                visitor.stats.error(visitor.who, action, type(exc).__name__, str(exc))
            await visitor.session.close()
            started = False
        await asyncio.sleep(visitor.rng.uniform(0, 2 * think))
    await visitor.session.close()


def import_button(run: ScriptRun) -> Any:
    """The "Import N records" button of a preview, or None."""
    return next(
        (b for b in run.of_type("button") if b.label.startswith("Import ")), None
    )


async def facilitator_import(run: Run) -> None:
    """A facilitator signs in, uploads the members file on the Import page, sees
    its preview and imports it (failures are recorded as errors by page())."""
    visitor = Visitor(run, run.data.facilitator, "facilitator", 0)
    stats = run.stats
    await visitor.start()
    page = await visitor.open_page("import")
    if page is None:
        return
    uploader = page.widget_id("file_uploader")
    started = time.perf_counter()
    file = await visitor.session.upload("synthetic-members.csv", run.data.members_csv)
    stats.imports["upload s"] = time.perf_counter() - started
    widgets = [client.files_value(uploader, [file])]
    preview = await visitor.page(
        "Import (preview)",
        lambda r: import_button(r) is not None,
        page="import",
        widgets=widgets,
    )
    if preview is None:
        return
    button = import_button(preview)
    done = await visitor.page(
        "(import)",
        lambda r: any(t.startswith("Imported") for t in r.alerts(Alert.SUCCESS)),
        page="import",
        widgets=[*widgets, client.trigger(button.id)],
    )
    if done is not None:
        stats.imports |= {
            "button": button.label,
            "import s": stats.renders.pop("(import)")[-1],
            "report": unescaped(done.alerts(Alert.SUCCESS)[0])[:200],
        }
    await visitor.session.close()


async def load(url: str, data: Data, args: argparse.Namespace) -> Stats:
    stats = Stats()
    run = Run(url, data, stats, args.timeout)
    deadline = time.monotonic() + args.seconds
    tasks = []
    for n, (username, role) in enumerate(data.accounts):
        visitor = Visitor(run, username, role, n + 1)
        await asyncio.sleep(args.ramp / max(len(data.accounts), 1))
        tasks.append(asyncio.create_task(browse(visitor, deadline, args.think)))
    await asyncio.sleep(max(0.0, args.import_at - args.ramp))
    stats.imports["started at s"] = args.seconds - (deadline - time.monotonic())
    try:
        await facilitator_import(run)
    except (SessionError, LookupError, SignInFailed) as exc:
        stats.error(data.facilitator, "import", type(exc).__name__, str(exc))
    stats.imports["finished at s"] = args.seconds - (deadline - time.monotonic())
    await asyncio.gather(*tasks)
    return stats


async def warm_up(url: str, data: Data, timeout: float) -> float:
    """One session asks one question: the model and caches load before the clock."""
    started = time.perf_counter()
    stats = Stats()
    visitor = Visitor(
        Run(url, data, stats, timeout), data.facilitator, "facilitator", 0
    )
    await visitor.start()
    await visitor.ask()
    await visitor.session.close()
    if stats.errors or not stats.answers:
        raise SystemExit(f"the warm-up failed: {stats.errors}")
    return time.perf_counter() - started


def prepare(settings: Settings, args: argparse.Namespace) -> Data:
    """Accounts (mostly members and officials), the picks and the import file."""
    rng = random.Random(7)
    with open_store(settings) as store:
        active = store.query(
            "SELECT o.id, o.name FROM organisations o JOIN collaborations c"
            " ON c.org_a = o.id GROUP BY o.id ORDER BY count(*) DESC, o.id LIMIT 100"
        )
        clusters = store.query("SELECT id, name FROM clusters ORDER BY id")
        rows = store.query(
            "SELECT lat, lon, lad_code, region, country, sectors"
            " FROM organisations WHERE lat IS NOT NULL"
        )
    people = add_accounts(settings, args.sessions, active)
    questions = [
        json.loads(line)["question"]
        for line in (REPO / "bench" / "qa_holdout.jsonl").open()
    ]
    return Data(
        people,
        "load-facilitator",
        [(c["id"], c["name"]) for c in clusters],
        [(o["id"], o["name"]) for o in active],
        questions,
        members_csv(rows, args.import_rows, rng),
    )


def add_accounts(
    settings: Settings, sessions: int, organisations: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """One account a session: a tenth public (no account), then members (of the
    busiest organisations) and officials in turn; and the importing facilitator."""
    roles = [
        "" if n % 10 == 0 else ("member" if n % 2 else "official")
        for n in range(sessions)
    ]
    people = [
        (f"load-{n:02d}-{role or 'public'}", role) for n, role in enumerate(roles)
    ]
    for (username, role), org in zip(people, organisations * sessions, strict=False):
        if role:
            accounts.add_user(
                settings,
                username,
                PASSWORD,
                role,
                org["id"] if role == "member" else None,
            )
    accounts.add_user(settings, "load-facilitator", PASSWORD, "facilitator")
    return people


def members_csv(places: list[dict[str, Any]], count: int, rng: random.Random) -> bytes:
    """SYNTHETIC members at the places and sectors of real demo organisations."""
    out = io.StringIO()
    columns = "name kind lat lon lad_code region country sectors description".split()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for n in range(count):
        place = rng.choice(places)
        writer.writerow(
            place
            | {
                "name": f"{IMPORT_PREFIX} {n:05d} Ltd",
                "kind": "business",
                "sectors": "; ".join(json.loads(place["sectors"] or "[]")),
                "description": "A synthetic member written by bench/portal_load.py.",
            }
        )
    return out.getvalue().encode()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def server_usage(url: str) -> tuple[float, float]:
    """The streamlit server's CPU seconds so far and peak memory (MB), found by
    the port in its command line (the process portal_server started for us)."""
    port = url.rsplit(":", 1)[1].encode()
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            if b"streamlit" not in command or port not in command:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            status = (proc / "status").read_text().splitlines()
        except OSError:
            continue
        if command[0].endswith(b"timeout"):
            continue
        ticks = os.sysconf("SC_CLK_TCK")
        peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM"))
        return (int(fields[11]) + int(fields[12])) / ticks, peak / 1024
    return float("nan"), float("nan")


def machine() -> str:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory = next(line.split()[1] for line in meminfo if "MemTotal" in line)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {os.cpu_count()} cpus, {int(memory) / 2**20:.1f} GiB,"
        f" Python {platform.python_version()}, load average {load}"
    )


def report(
    stats: Stats, settings: Settings, args: argparse.Namespace, log: Path
) -> None:
    renders = [s for times in stats.renders.values() for s in times]
    print(
        f"\n{args.sessions} sessions for {args.seconds:.0f} s "
        f"(think time 0–{2 * args.think:.0f} s): {len(renders)} page renders, "
        f"{len(stats.answers)} answers, {len(stats.errors)} errors"
    )
    print(f"{'':<30} {'count':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    rows = [
        *sorted(stats.renders.items()),
        ("all page renders", renders),
        ("answers", stats.answers),
    ]
    for name, times in rows:
        if times:
            print(
                f"{name:<30} {len(times):>6} {percentile(times, 0.5):>7.2f} "
                f"{percentile(times, 0.95):>7.2f} {max(times):>7.2f}"
            )
    print(f"warnings shown (not errors): {dict(stats.warnings) or 'none'}")
    with open_store(settings) as store:
        imported = store.query(
            "SELECT count(*) AS n FROM organisations WHERE name LIKE ?",
            [f"{IMPORT_PREFIX} %"],
        )[0]["n"]
    print(
        f"import during the run: {stats.imports}; {imported:,} synthetic "
        f"organisations in the directory afterwards"
    )
    tracebacks = log.read_text(errors="replace").count("Traceback")
    print(f"server: {stats.server}; its log holds {tracebacks} tracebacks")
    for kind, where, detail in stats.errors[:20]:
        print(f"  error [{kind}] {where}: {detail}")
    print(f"machine: {machine()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, default, meaning in OPTIONS:
        parser.add_argument(
            f"--{name}", type=type(default), default=default, help=meaning
        )
    parser.add_argument("--workspace", type=Path, help="a built demo workspace to copy")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-load-"))
    settings = load_settings(workspace=work / "workspace")
    if args.workspace:
        shutil.copytree(args.workspace, settings.workspace)
    else:
        print("building the demo workspace …", flush=True)
        services.build_demo(settings)
    data = prepare(settings, args)
    print(f"machine at start: {machine()}", flush=True)
    log = work / "server.log"
    with browser.portal_server(settings.workspace, log) as (url, _):
        warm = asyncio.run(warm_up(url, data, args.timeout))
        print(f"warm-up (sign in, one question): {warm:.1f} s", flush=True)
        before = server_usage(url)
        started = time.perf_counter()
        stats = asyncio.run(load(url, data, args))
        cpu, peak_mb = server_usage(url)
        stats.server = {
            "CPU s per wall s": round(
                (cpu - before[0]) / (time.perf_counter() - started), 2
            ),
            "peak RSS MB": round(peak_mb),
        }
    report(stats, settings, args, log)
    if stats.errors:
        print(f"the workspace and server log are kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
