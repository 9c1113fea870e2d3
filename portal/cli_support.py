"""What every command shares: the settings, error reporting, progress and JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from corpus.geocoding import GeocodingError
from corpus.tables import FileRefused
from directory.matching import MatchError
from directory.store import StoreError
from portal.settings import Settings, SettingsError, load_settings
from retrieval.embedding import ModelError
from retrieval.generative import LLMError
from retrieval.index import IndexUnavailable

F = TypeVar("F", bound=Callable[..., Any])
EXIT_REFUSED = 2


def settings_of(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    if not isinstance(obj, Settings):
        obj = load_settings(workspace=ctx.find_root().params.get("workspace"))
        ctx.find_root().obj = obj
    return obj


def reporting_errors(func: F) -> F:
    """Turn domain errors into a clear message and exit status, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FileRefused as exc:
            click.echo(f"refused: {exc}\nNothing was imported.", err=True)
            sys.exit(EXIT_REFUSED)
        except (
            StoreError,
            GeocodingError,
            SettingsError,
            IndexUnavailable,
            ModelError,
            LLMError,
            MatchError,
        ) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


class ProgressBar:
    """A tqdm bar per phase on stderr, shown only when stderr is a terminal."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}
        self.enabled = sys.stderr.isatty()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(phase)
        if bar is None:
            bar = self.bars[phase] = tqdm(
                total=total, desc=phase, file=sys.stderr, unit="rec", leave=False
            )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
