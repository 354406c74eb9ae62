"""Hydra callback: identify a multirun across reruns, prepare the store, build the report at the end.

Every job's config is checked before the first job runs (a bad combination is named, exit 2).
A job that fails later is recorded as a FAILED run with its error as the ``error`` tag
(:func:`record_failed_job`); the other jobs run, and the end of the multirun lists the failed
jobs (in the report, and in one line; exit 1).

A multirun that is run again (the same overrides) finds its earlier jobs in MLflow by the
``sweep_key`` tag: finished jobs are skipped, interrupted ones continued, and the new sweep
folder reuses the first run's ``sweep`` tag, so the report covers every job.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sysfair.errors import SysfairError

log = logging.getLogger(__name__)

_STATE = "sysfair_sweep.json"  # written into the sweep folder for the jobs to read
_NOT_KEY = ("hydra.", "hydra/", "trials.n_jobs=", "trials.resume=", "progress=")


def sweep_key(overrides: list[str], sweeper_params: Any) -> str:
    """Hash of a multirun's command: its overrides (speed-only ones left out) and sweep params."""
    kept = sorted(o for o in overrides if not o.lstrip("+~").startswith(_NOT_KEY))
    text = json.dumps([kept, sweeper_params], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def sweep_info() -> dict[str, str] | None:
    """``{"sweep": tag, "sweep_key": key, "job": n}`` inside a Hydra multirun job, else None."""
    try:
        hydra_cfg = HydraConfig.get()
    except ValueError:  # not running under Hydra (API use, tests)
        return None
    if str(hydra_cfg.mode) != "RunMode.MULTIRUN":
        return None
    sweep_dir = Path(hydra_cfg.sweep.dir)
    info = {"sweep": sweep_dir.name}
    state = sweep_dir / _STATE
    if state.is_file():
        info.update(json.loads(state.read_text()))
    info["job"] = str(hydra_cfg.job.num)
    return info


def sweep_tag() -> str | None:
    """The sweep tag when running inside a Hydra multirun, else None."""
    info = sweep_info()
    return None if info is None else info["sweep"]


def sweep_jobs(config: DictConfig) -> list[list[str]] | None:
    """Each job's overrides, as Hydra's basic sweeper will expand them (None for other sweepers)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    target = str(config.hydra.sweeper.get("_target_", ""))
    if not target.endswith("BasicSweeper"):
        return None
    params = config.hydra.sweeper.get("params") or {}
    arguments = [f"{k}={v}" for k, v in params.items()] + list(config.hydra.overrides.task)
    overrides = OverridesParser.create().parse_overrides(arguments)
    return BasicSweeper.split_arguments(overrides, None)[0]


def check_jobs(config: DictConfig, config_name: str | None) -> tuple[list[str], str | None]:
    """One line per job whose config fails the checks (composition, ConfigError or a dataset's
    missing files), in job order; and, if some datasets' files are missing, how to run without them."""
    from hydra import compose

    from sysfair.data.errors import DataNotFoundError
    from sysfair.experiment.config import check_config
    from sysfair.experiment.store import check_tracking_uri
    from sysfair.experiment.tracking import default_uri

    jobs = sweep_jobs(config)
    bad: list[str] = []
    uris: set[str] = set()
    datasets: dict[str, bool] = {}  # dataset option -> its files are there
    for n, overrides in enumerate(jobs or []):
        try:
            option = next((o.split("=", 1)[1] for o in overrides if o.startswith("dataset=")), None)
            cfg = compose(config_name=config_name or "config", overrides=overrides)
            objects = check_config(cfg)
            option = option or str(cfg.dataset.name)
            datasets.setdefault(option, True)
            objects.dataset.check_files()
            uri = cfg.tracking.uri or default_uri(Path.cwd())
            if uri not in uris:
                check_tracking_uri(uri)
                uris.add(uri)
        except Exception as exc:  # noqa: BLE001 - a ConfigError, or Hydra's own composition errors
            if isinstance(exc, DataNotFoundError):
                datasets[option] = False
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            varying = [o for i, o in enumerate(overrides) if len({job[i] for job in jobs or []}) > 1]
            bad.append(f"job {n} ({' '.join(varying or overrides)}): {text}")
    missing = [d for d, ok in datasets.items() if not ok]
    present = [d for d, ok in datasets.items() if ok]
    hint = None
    if missing:
        hint = f"the files of {', '.join(missing)} are missing"
        if present:
            hint += f"; to run without them, add dataset={','.join(present)}"
    return bad, hint


def record_failed_job(cfg: DictConfig, launch: Any, exc: BaseException) -> None:
    """Record a multirun job that failed: its FAILED parent run gets the error as a tag (a FAILED
    run is created for it if it failed before having one); logged, never raised."""
    from sysfair.experiment import record as rec
    from sysfair.experiment.journal import one_line
    from sysfair.experiment.tracking import MlflowLogger, default_uri, process_tags, standard_tags

    error = str(exc) if isinstance(exc, SysfairError) else one_line(exc)
    log.error("job %s failed: %s (the other jobs go on)", launch.job, error)
    try:
        tracker = MlflowLogger(cfg.tracking.uri or default_uri(Path.cwd()), cfg.tracking.experiment)
        run_id = getattr(exc, "sysfair_run_id", None)
        if run_id is not None:
            tracker.set_tags(run_id, {rec.TAG_ERROR: error[:5000]})
            return
        tags = {
            rec.TAG_MODE: rec.MODE_EXPERIMENT,
            rec.TAG_DATASET: str(OmegaConf.select(cfg, "dataset.name", default="?")),
            rec.TAG_OPTIMIZER: str(OmegaConf.select(cfg, "optimizer.name", default="?")),
            rec.TAG_SWEEP: launch.sweep,
            rec.TAG_JOB: str(launch.job),
            rec.TAG_ERROR: error[:5000],
            **{
                k: v
                for k, v in (
                    (rec.TAG_SWEEP_KEY, launch.sweep_key),
                    (rec.TAG_HYDRA_OUTPUT_DIR, launch.output_dir),
                )
                if v
            },
            rec.TAG_HYDRA_OVERRIDES: " ".join(launch.overrides or []),
            **standard_tags(),
            **process_tags(),
        }
        run_id = tracker.start_run(f"failed-sweep{launch.sweep}-job{launch.job}", tags=tags)
        tracker.end_run(run_id, rec.FAILED)
    except Exception as store_exc:  # noqa: BLE001 - the store itself may be what failed
        log.error(
            "job %s: its failure could not be recorded in the store (%s)", launch.job, one_line(store_exc)
        )


def failed_jobs(tracker: Any, tag: str) -> list[Any]:
    """The sweep's FAILED parent runs whose job has no FINISHED run (a rerun may have finished it)."""
    from sysfair.experiment import record as rec

    parents = [
        r for r in tracker.search(f"tags.{rec.TAG_SWEEP} = '{tag}'") if rec.TAG_PARENT not in r.data.tags
    ]
    done = {r.data.tags.get(rec.TAG_JOB) for r in parents if r.info.status == rec.FINISHED}
    failed = [r for r in parents if r.info.status == rec.FAILED and r.data.tags.get(rec.TAG_JOB) not in done]
    return sorted(failed, key=lambda r: int(r.data.tags.get(rec.TAG_JOB, "0") or 0))


class SweepReport(Callback):
    """Prepares the MLflow store and the sweep's identity before a multirun's jobs start; writes
    the report at the end.

    Creating the store's tables and the experiment once, in the launching process, keeps parallel
    jobs (``hydra/launcher=joblib``) from racing to initialise a fresh SQLite file.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        import sys

        from sysfair.experiment import record as rec

        bad, hint = check_jobs(config, kwargs.get("config_name"))
        if bad:
            for line in bad:
                print(f"sysfair: error: {line}", file=sys.stderr)
            print(
                f"sysfair: error: {len(bad)} job(s) of the multirun are invalid; no job was run",
                file=sys.stderr,
            )
            if hint:
                print(f"sysfair: {hint}", file=sys.stderr)
            sys.exit(2)
        from sysfair.experiment.store import prepare_store
        from sysfair.experiment.tracking import MlflowLogger, default_uri

        uri = config.tracking.uri or default_uri(Path.cwd())
        prepare_store(uri)  # a fresh SQLite store's tables, quietly, once
        tracker = MlflowLogger(uri, config.tracking.experiment)
        params = config.hydra.sweeper.get("params")
        key = sweep_key(
            list(config.hydra.overrides.task),
            None if params is None else OmegaConf.to_container(params, resolve=False),
        )
        sweep_dir = Path(config.hydra.sweep.dir)
        earlier = tracker.search(f"tags.{rec.TAG_SWEEP_KEY} = '{key}'", max_results=1)
        tag = earlier[0].data.tags.get(rec.TAG_SWEEP, sweep_dir.name) if earlier else sweep_dir.name
        if earlier:
            log.info("this multirun ran before as sweep %s: finished jobs are skipped, others continued", tag)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        (sweep_dir / _STATE).write_text(json.dumps({"sweep": tag, "sweep_key": key}))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sysfair.experiment.tracking import default_uri

        sweep_dir = Path(config.hydra.sweep.dir)
        state = sweep_dir / _STATE
        tag = json.loads(state.read_text())["sweep"] if state.is_file() else sweep_dir.name
        uri = config.tracking.uri or default_uri(Path.cwd())
        try:
            from sysfair.report import build_report
        except ImportError:  # pragma: no cover - the report package ships with sysfair
            log.warning("sysfair.report is not available; no sweep report written")
            return
        out = sweep_dir / "report"
        try:
            build_report(uri, config.tracking.experiment, out, sweep_tag=tag)
        except Exception as exc:  # the sweep's runs are safe in MLflow; say what went wrong
            log.error("sweep report failed: %s (rebuild it with `sysfair report --sweep %s`)", exc, tag)
        else:
            log.info("Sweep report: %s", out / "report.md")
        self._fail_if_jobs_failed(config, uri, tag)

    @staticmethod
    def _fail_if_jobs_failed(config: DictConfig, uri: str, tag: str) -> None:
        """One line listing the failed jobs, and exit code 1, when any job failed."""
        import sys

        from sysfair.experiment import record as rec
        from sysfair.experiment.tracking import MlflowLogger

        try:
            failed = failed_jobs(MlflowLogger(uri, config.tracking.experiment), tag)
        except Exception as exc:  # noqa: BLE001 - the store may be gone; the jobs logged their errors
            log.error("could not list the failed jobs: %s", exc)
            return
        if failed:
            listed = "; ".join(
                f"job {r.data.tags.get(rec.TAG_JOB, '?')}: {r.data.tags.get(rec.TAG_ERROR, '?')}"
                for r in failed
            )
            print(f"sysfair: error: {len(failed)} job(s) of sweep {tag} failed ({listed})", file=sys.stderr)
            sys.exit(1)
