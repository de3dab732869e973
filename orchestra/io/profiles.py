"""Planning profiles: commented TOML files in ``models/``, read into ``Profile`` records.

The project's ``models/`` folder ships inside the package as ``orchestra.models`` (the build
maps the folder there: see ``pyproject.toml``), so an installed orchestra reads its profiles
with ``importlib.resources`` from any folder; a user's own ``./models/NAME.toml`` comes first.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

from orchestra.domain import Profile
from orchestra.errors import ProfileError
from orchestra.io.contract import MAX_SLOTS, MAX_WEIGHT

DEFAULT_PROFILE = "balanced"


def bundled_dir() -> Path | None:
    """The profiles shipped with orchestra: the package's ``orchestra.models`` (the source
    tree's ``models/`` in a checkout or an editable install)."""
    try:
        # A folder without __init__.py: a namespace package, whose files() is a multiplexed
        # path; its entries are plain paths.
        entries = list(resources.files("orchestra.models").iterdir())
    except ModuleNotFoundError:  # run from a source tree that was never installed
        entries = list((Path(__file__).resolve().parents[2] / "models").glob("*"))
    tomls = [Path(str(e)) for e in entries if e.name.endswith(".toml")]
    return tomls[0].parent if tomls else None


def profile_dirs() -> list[Path]:
    """Where profiles are looked up: ./models first (a user's own), then the bundled ones."""
    dirs = [Path.cwd() / "models", bundled_dir()]
    return list(dict.fromkeys(d.resolve() for d in dirs if d is not None and d.is_dir()))


def available_profiles() -> list[str]:
    return sorted({p.stem for d in profile_dirs() for p in d.glob("*.toml")})


@dataclass(frozen=True)
class ProfileEntry:
    """One profile ``orchestra profiles`` lists: its name, purpose and where it was found."""

    name: str
    description: str
    path: Path
    bundled: bool


def list_profiles() -> list[ProfileEntry]:
    """Every profile that ``--profile NAME`` finds, the one found first for each name."""
    bundled = bundled_dir()
    out = []
    for name in available_profiles():
        path = _find(name)
        try:
            description = load_profile(name).description
        except ProfileError as exc:
            description = f"cannot be read: {exc}"
        out.append(ProfileEntry(name, description, path,
                                bundled is not None and path.parent.resolve() == bundled.resolve()))
    return out


def _find(name: str) -> Path:
    candidate = Path(name)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    for folder in profile_dirs():
        path = folder / f"{name}.toml"
        if path.is_file():
            return path
    raise ProfileError(f'profile "{name}" not found (expected one of '
                       f"{', '.join(available_profiles()) or 'none'}, or a path to a .toml file)")


def load_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """The profile called ``name`` (or at path ``name``), checked field by field.

    >>> load_profile("lowest_cost").cost_weight, load_profile("lowest_cost").fill_all_first
    (1.0, True)
    """
    path = _find(name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot be read ({exc})") from exc
    values: dict[str, object] = {"name": data.get("name", path.stem),
                                 "description": data.get("description", "")}
    for key in ("name", "description"):
        if not isinstance(values[key], str):
            raise ProfileError(f"{path}: {key} = {values[key]!r} (expected text in quotes)")
    known = {f.name: f for f in fields(Profile)}
    for section in ("weights", "rules"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ProfileError(f"{path}: {section} = {table!r} (expected a [{section}] table)")
        for key, value in table.items():
            if key not in known:
                raise ProfileError(f"{path}: [{section}] {key} is not a profile setting "
                                   f"(expected one of {', '.join(sorted(known))})")
            default = getattr(Profile("x"), key)
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, int):
                ok = (isinstance(value, int) and not isinstance(value, bool)
                      and 1 <= value <= MAX_SLOTS)
            else:
                ok = (isinstance(value, int | float) and not isinstance(value, bool)
                      and 0 <= value <= MAX_WEIGHT)
            if not ok:
                raise ProfileError(f"{path}: [{section}] {key} = {value!r} (expected a value like "
                                   f"{default!r}, from 0 to {MAX_WEIGHT:g})")
            values[key] = float(value) if isinstance(default, float) else value
    return Profile(**values)
