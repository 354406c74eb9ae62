"""Entry point: ``python run.py [hydra overrides]`` (see conf/config.yaml)."""

import hydra
from omegaconf import DictConfig

from sysfair.cli.app import CONF_DIR, task


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float:
    return task(cfg)


if __name__ == "__main__":
    import sys

    from sysfair.cli.help import app_help, wants_help

    if wants_help(sys.argv[1:]):  # Hydra's own --help takes seconds; same text
        print(app_help(sys.argv[1:], conf_dir=CONF_DIR, job_name="run"))
    else:
        main()
