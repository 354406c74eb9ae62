"""Entry point: ``python run.py [hydra overrides]`` (see conf/config.yaml)."""

import hydra
from omegaconf import DictConfig

from sysfair.cli.app import task


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float:
    return task(cfg)


if __name__ == "__main__":
    main()
