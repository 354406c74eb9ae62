"""``--help`` of the Hydra task (``python run.py --help``, ``sysfair run --help``), answered fast.

Hydra's own ``--help`` prints the same text but copies its whole config repository once per
config group it lists (about 140 deep copies here, 3–4 s); this module composes the config once
and walks one repository. Anything but ``--help``/``-h`` with overrides (and ``--resolve``) is
left to Hydra.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from pathlib import Path

HELP_FLAGS = frozenset({"--help", "-h"})


def wants_help(argv: Sequence[str]) -> bool:
    """Whether ``argv`` (without the program name) asks for the app's help and nothing else of Hydra's."""
    flags = [a for a in argv if a.startswith("-")]
    return bool(flags) and any(a in HELP_FLAGS for a in flags) and set(flags) <= HELP_FLAGS | {"--resolve"}


def app_help(argv: Sequence[str], *, conf_dir: Path, job_name: str) -> str:
    """Hydra's app help for ``argv`` (overrides plus ``--help``): header, config groups, composed config."""
    from hydra import compose, initialize_config_dir
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import get_args_parser
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.object_type import ObjectType
    from omegaconf import OmegaConf, flag_override

    overrides = [a for a in argv if not a.startswith("-")]
    with initialize_config_dir(config_dir=str(conf_dir), version_base="1.3", job_name=job_name):
        cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
        repo = GlobalHydra.instance().config_loader().repository  # type: ignore[attr-defined]

        def groups(parent: str = "") -> list[str]:
            found: list[str] = []
            for group in repo.get_group_options(parent, ObjectType.GROUP):
                name = f"{parent}/{group}" if parent else group
                if repo.get_group_options(name, ObjectType.CONFIG):
                    found.append(name)
                if repo.get_group_options(name, ObjectType.GROUP):
                    found.extend(groups(name))
            return found

        def listing(keep: Callable[[str], bool]) -> str:
            lines = [
                f"{g}: {', '.join(sorted(repo.get_group_options(g, ObjectType.CONFIG)))}\n"
                for g in sorted(groups())
                if keep(g)
            ]
            return "".join(lines)

        def is_hydra(group: str) -> bool:
            return group.startswith("hydra/") or group == "hydra"

        template = string.Template(cfg.hydra.help.template)
        with flag_override(cfg, ["struct", "readonly"], [False, False]):
            del cfg["hydra"]
        return template.substitute(
            FLAGS_HELP=Hydra.format_args_help(get_args_parser()),
            HYDRA_CONFIG_GROUPS=listing(is_hydra),
            APP_CONFIG_GROUPS=listing(lambda g: not is_hydra(g)),
            CONFIG=OmegaConf.to_yaml(cfg, resolve="--resolve" in argv),
        )
