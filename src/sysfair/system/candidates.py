"""CandidateLog: the retrieved candidates of every serving session, with scores and labels.

It is the hand-off between building a system (dataset -> scorers -> retriever) and running
experiments on it (DESIGN.md §5): plain arrays, saved to one ``.npz`` file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["CandidateLog"]

_ARRAYS = ("scores", "labels", "mask", "group", "session_features", "item_ids")


@dataclass(frozen=True, eq=False)
class CandidateLog:
    """S sessions, m candidate slots, K labels.

    Attributes:
        scores: ``[S, m, K]`` float, scorer outputs f_k in [0, 1] (0 on padded slots).
        labels: ``[S, m, K]`` float, realised outcomes Y_k in [0, 1] (0 on padded slots).
        mask: ``[S, m]`` bool, True where a slot holds a real candidate (>= 1 per session).
        group: ``[S]`` int, the session's group in ``0..G-1``.
        session_features: ``[S, d]`` float, covariates X of the session (d may be 0).
        item_ids: ``[S, m]`` int, item id per slot (-1 on padded slots).
        label_names: K names, in label order.
        n_groups: G, the number of groups (some may be absent from a small log).
        hidden: ``[S, m]`` float, a realised outcome no scorer models (Appendix D; 0 on padded
            slots), or None. The platform adds ``hidden_weights[g] * hidden`` to the utility.
        hidden_weights: ``[G]`` alpha*_hidden(g) of each group (None iff ``hidden`` is None).
    """

    scores: np.ndarray
    labels: np.ndarray
    mask: np.ndarray
    group: np.ndarray
    session_features: np.ndarray
    item_ids: np.ndarray
    label_names: tuple[str, ...]
    n_groups: int
    meta: dict[str, str] = field(default_factory=dict)
    hidden: np.ndarray | None = None
    hidden_weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        s, m, k = self.scores.shape
        checks = {
            "labels": self.labels.shape == (s, m, k),
            "mask": self.mask.shape == (s, m) and self.mask.dtype == bool,
            "group": self.group.shape == (s,),
            "session_features": self.session_features.ndim == 2 and self.session_features.shape[0] == s,
            "item_ids": self.item_ids.shape == (s, m),
            "label_names": len(self.label_names) == k,
            "hidden": (self.hidden is None) == (self.hidden_weights is None)
            and (self.hidden is None or self.hidden.shape == (s, m)),
            "hidden_weights": self.hidden_weights is None or self.hidden_weights.shape == (self.n_groups,),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"CandidateLog arrays have inconsistent shapes: {', '.join(bad)}")
        if s and not self.mask.any(axis=1).all():
            raise ValueError("CandidateLog: every session needs at least one valid candidate")
        if s and (self.group.min() < 0 or self.group.max() >= self.n_groups):
            raise ValueError(f"CandidateLog: group ids must lie in 0..{self.n_groups - 1}")

    @property
    def n_sessions(self) -> int:
        return self.scores.shape[0]

    @property
    def n_slots(self) -> int:
        return self.scores.shape[1]

    @property
    def n_labels(self) -> int:
        return self.scores.shape[2]

    def hidden_value(self) -> np.ndarray | None:
        """``[S, m]`` alpha*_hidden(g_s) * hidden of every slot (own group), or None without one."""
        if self.hidden is None or self.hidden_weights is None:
            return None
        return self.hidden.astype(np.float64) * self.hidden_weights[self.group][:, None]

    def subset(self, sessions: np.ndarray) -> CandidateLog:
        """The log restricted to ``sessions`` (indices or boolean mask over S)."""
        return CandidateLog(
            **{name: getattr(self, name)[sessions] for name in _ARRAYS},
            label_names=self.label_names,
            n_groups=self.n_groups,
            meta=dict(self.meta),
            hidden=None if self.hidden is None else self.hidden[sessions],
            hidden_weights=self.hidden_weights,
        )

    def save(self, path: str | Path) -> None:
        """Write atomically: a reader never sees a half-written file under ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    **{name: getattr(self, name) for name in _ARRAYS},
                    label_names=np.array(self.label_names),
                    n_groups=np.array(self.n_groups),
                    meta_keys=np.array(list(self.meta), dtype=str),
                    meta_values=np.array(list(self.meta.values()), dtype=str),
                    **self._hidden_arrays(),
                )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> CandidateLog:
        """Read a log written by :meth:`save`; raises on a missing, truncated or malformed file."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in _ARRAYS}
            meta = dict(zip(data["meta_keys"].tolist(), data["meta_values"].tolist(), strict=True))
            return cls(
                **arrays,
                label_names=tuple(str(x) for x in data["label_names"]),
                n_groups=int(data["n_groups"]),
                meta=meta,
                hidden=data["hidden"] if "hidden" in data else None,
                hidden_weights=data["hidden_weights"] if "hidden_weights" in data else None,
            )

    def _hidden_arrays(self) -> dict[str, np.ndarray]:
        """The hidden outcome's arrays to save (none without one: the file is as before)."""
        if self.hidden is None or self.hidden_weights is None:
            return {}
        return {"hidden": self.hidden, "hidden_weights": self.hidden_weights}
