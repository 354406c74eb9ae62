"""Where parallel trials run: joblib's loky processes, a Ray cluster or a Dask cluster.

``trials.backend`` picks the engine, ``trials.address`` an existing cluster (``ray://head:10001``
or ``head:6379`` for Ray, ``tcp://scheduler:8786`` for Dask); without an address a local cluster
is started for the run and shut down at its end (an already connected Ray session or a Dask
client already set as default is used as is, and left running).

The serving pool (the :class:`~sysfair.system.platform.Platform` holding the CandidateLog)
travels to the workers once, not inside every task:

- ``loky``: joblib memory-maps every large array into a temporary folder once and the workers
  map that file; each worker ends itself once the experiment's process is gone
  (:func:`watch_parent`);
- ``ray``: one ``ray.put`` into the object store; the workers read its arrays zero-copy;
- ``dask``: one ``client.scatter(..., broadcast=True)``; each worker keeps one copy.

``trials.n_jobs=1`` runs the trials in the main process on loky and on Ray (joblib would fall
back to its sequential backend; :func:`~sysfair.experiment.trials.iter_trials` does not even open
the engine); Dask always uses every worker of its cluster. Workers only compute; the
main process alone writes to MLflow. Ray and Dask are optional
(``pip install -e ".[cluster]"``): nothing here imports them unless their backend is asked for.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from sysfair.errors import SysfairError
from sysfair.experiment.console import quiet

__all__ = ["BACKENDS", "BackendMissing", "TrialBackend", "fetch", "trial_backend", "watch_parent"]

BACKENDS = ("loky", "ray", "dask")
INSTALL_HINT = 'pip install -e ".[cluster]"'


class BackendMissing(SysfairError, ImportError):
    """The engine ``trials.backend`` names is not installed."""

    def __init__(self, backend: str, module: str) -> None:
        super().__init__(
            f"trials.backend={backend} needs the '{module}' package, which is not installed: "
            f"install the cluster extra with `{INSTALL_HINT}` (or use trials.backend=loky)"
        )


@dataclass(frozen=True)
class RayObject:
    """A reference into Ray's object store; :func:`fetch` reads it back inside a worker."""

    ref: Any

    def get(self) -> Any:
        import ray

        return ray.get(self.ref)


def fetch(shipped: Any) -> Any:
    """Inside a worker: the object that :attr:`TrialBackend.payload` stands for."""
    return shipped.get() if isinstance(shipped, RayObject) else shipped


@dataclass(frozen=True)
class TrialBackend:
    """What ``joblib.Parallel`` needs to run the trials on the chosen engine.

    Attributes:
        name: ``loky``, ``ray`` or ``dask``.
        joblib_backend: the ``backend=`` argument of ``joblib.Parallel`` (a name, an instance, or
            None for joblib's default).
        n_jobs: the ``n_jobs=`` argument (-1 = every CPU of the machine or cluster).
        payload: what to pass to each task instead of the shipped object; :func:`fetch` reads it.
        return_as: ``generator`` (results stream in as trials finish) or ``list`` (Ray's joblib
            backend cannot stream: the results arrive together at the end).
    """

    name: str
    joblib_backend: Any
    n_jobs: int
    payload: Any
    return_as: str = "generator"


def _import(backend: str, module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendMissing(backend, module.split(".")[0]) from exc


def _local_workers(n_jobs: int) -> int:
    """Workers of a local cluster: ``n_jobs``, or every core for -1 (-2 = all but one, as joblib)."""
    cores = os.cpu_count() or 1
    return n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)


@contextmanager
def _ray(address: str | None, n_jobs: int, shipped: Any) -> Iterator[TrialBackend]:
    if not address:
        # A cluster for this run only: single node, on loopback (Ray reads this when imported;
        # its default would bind the machine's network address, ready for other nodes to join).
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    ray = _import("ray", "ray")
    ray_joblib = _import("ray", "ray.util.joblib")
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(
                num_cpus=_local_workers(n_jobs),
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        started = True
    try:
        ray_joblib.register_ray()
        yield TrialBackend("ray", "ray", n_jobs, RayObject(ray.put(shipped)), return_as="list")
    finally:
        if started:
            ray.shutdown()


@contextmanager
def _dask(address: str | None, n_jobs: int, shipped: Any) -> Iterator[TrialBackend]:
    distributed = _import("dask", "distributed")
    _import("dask", "joblib._dask")
    from joblib._dask import DaskDistributedBackend

    with ExitStack() as stack:
        if address:
            client = stack.enter_context(distributed.Client(address, set_as_default=False))
        else:
            try:
                client = distributed.default_client()
            except ValueError:  # no client yet: a local cluster of single-threaded processes
                stack.enter_context(quiet("distributed"))  # its INFO lines would flood the run's log
                cluster = stack.enter_context(
                    distributed.LocalCluster(
                        n_workers=_local_workers(n_jobs),
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                )
                client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
        # joblib's own scatter: broadcast once, then every task argument that *is* `shipped`
        # (same object) travels as a reference to the workers' copy.
        backend = DaskDistributedBackend(client=client, scatter=[shipped])
        yield TrialBackend("dask", backend, n_jobs, shipped)


def watch_parent(parent: int, period: float = 0.5) -> None:
    """Loky worker initializer: a daemon thread ends this worker within ``period`` seconds once
    process ``parent`` (the experiment) is gone, e.g. after ``kill -9`` or a crash, when it could
    not stop its workers itself (Ctrl-C and SIGTERM stop them at once)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent:  # re-parented: the experiment's process has ended
                os._exit(1)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(period)

    threading.Thread(target=watch, name="sysfair-watch-parent", daemon=True).start()


@contextmanager
def trial_backend(backend: str, address: str | None, n_jobs: int, shipped: Any) -> Iterator[TrialBackend]:
    """Open the engine ``backend`` (see the module docstring), ship ``shipped`` once, close it after.

    Raises :class:`BackendMissing` naming the ``cluster`` extra when Ray or Dask is not installed.
    """
    if backend == "loky":
        from joblib._parallel_backends import LokyBackend

        # joblib's default engine, each worker watching this process: none outlives it
        engine = LokyBackend(initializer=watch_parent, initargs=(os.getpid(),))
        yield TrialBackend("loky", engine, n_jobs, shipped)
    elif backend == "ray":
        with _ray(address, n_jobs, shipped) as opened:
            yield opened
    elif backend == "dask":
        with _dask(address, n_jobs, shipped) as opened:
            yield opened
    else:
        raise ValueError(f"trials.backend={backend!r}: expected one of {', '.join(BACKENDS)}")
