"""Multi-task collaborative filtering (torch): shared user/item embeddings, one head per label.

f_k(u, i) = sigmoid(head_k([e_u, e_i, e_u * e_i] (+ the row features of label k))) + biases,
trained jointly with the mean binary cross-entropy over the K labels (Adam, minibatches), with
early stopping on a validation split of the training rows (best epoch's weights kept).
Deterministic under ``seed`` for a fixed thread count. Users or items unseen in training get the
mean embedding of the trained ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from sysfair.data.base import Interactions
from sysfair.data.errors import DataError


@contextmanager
def _threads(n: int):  # noqa: ANN202 - context manager
    """Run with ``n`` torch threads (``n <= 0``: leave as is), restoring the previous count."""
    before = torch.get_num_threads()
    if n > 0:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _Net(nn.Module):
    def __init__(self, n_users: int, n_items: int, dim: int, hidden: int, feat_dims: list[int]) -> None:
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)
        nn.init.normal_(self.user.weight, std=0.1)
        nn.init.normal_(self.item.weight, std=0.1)
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Linear(3 * dim + d, hidden), nn.ReLU(), nn.Linear(hidden, 1)) for d in feat_dims
        )

    def forward(self, u: torch.Tensor, i: torch.Tensor, feats: list[torch.Tensor]) -> torch.Tensor:
        """Logits ``[n, K]``."""
        eu, ei = self.user(u), self.item(i)
        shared = torch.cat([eu, ei, eu * ei], dim=1)
        outs = [head(torch.cat([shared, f], dim=1)) for head, f in zip(self.heads, feats, strict=True)]
        return torch.cat(outs, dim=1)


class MultitaskCFScorer:
    """Shared-embedding multi-task network; needs ``data.user`` (user ids) and ``data.item``."""

    def __init__(self, cfg: Any, *, seed: int) -> None:
        self.cfg, self.seed = cfg, seed
        self.net_: _Net | None = None
        self.users_: np.ndarray = np.zeros(0, dtype=np.int64)
        self.items_: np.ndarray = np.zeros(0, dtype=np.int64)
        self.mean_: list[np.ndarray] = []
        self.scale_: list[np.ndarray] = []
        self.history_: list[float] = []  # validation loss per epoch

    def _ids(self, data: Interactions) -> tuple[np.ndarray, np.ndarray]:
        if data.user is None:
            raise DataError(
                "scorer=multitask_cf needs user ids (Interactions.user); this dataset has none. "
                "Use scorer=random_forest or a dataset with users (movielens, modcloth, electronics)"
            )
        return data.user, data.item

    def _feats(self, data: Interactions, rows: np.ndarray) -> list[torch.Tensor]:
        if not self.cfg.use_features:
            return [torch.zeros((rows.size, 0)) for _ in range(data.n_labels)]
        return [
            torch.as_tensor((data.features[np.ix_(rows, cols)] - mu) / sd, dtype=torch.float32)
            for cols, mu, sd in zip(data.label_features, self.mean_, self.scale_, strict=True)
        ]

    @staticmethod
    def _lookup(known: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Index of each id in sorted ``known``; unseen ids -> ``len(known)`` (the mean slot)."""
        if known.size == 0:
            return np.zeros(ids.size, dtype=np.int64)
        pos = np.minimum(np.searchsorted(known, ids), known.size - 1)
        return np.where(known[pos] == ids, pos, known.size)

    def fit(self, data: Interactions, rows: np.ndarray) -> MultitaskCFScorer:
        """Train on ``rows``; a random ``validation_fraction`` of them drives early stopping."""
        cfg = self.cfg
        user, item = self._ids(data)
        rows = np.asarray(rows)
        self.users_, self.items_ = np.unique(user[rows]), np.unique(item[rows])
        self.mean_ = [data.features[rows][:, cols].mean(axis=0) for cols in data.label_features]
        self.scale_ = [data.features[rows][:, cols].std(axis=0) + 1e-6 for cols in data.label_features]
        rng = np.random.default_rng(self.seed)
        perm = rng.permutation(rows.size)
        n_val = int(round(cfg.validation_fraction * rows.size)) if rows.size >= 10 else 0
        val, train = rows[perm[:n_val]], rows[perm[n_val:]]
        with _threads(cfg.n_threads):
            torch.manual_seed(self.seed)
            feat_dims = [len(c) if cfg.use_features else 0 for c in data.label_features]
            # one extra (untrained) row per table holds the mean embedding for unseen ids
            net = _Net(self.users_.size + 1, self.items_.size + 1, cfg.embedding_dim, cfg.hidden, feat_dims)
            opt = torch.optim.Adam(net.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
            loss_fn = nn.BCEWithLogitsLoss()

            def tensors(r: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor], torch.Tensor]:
                return (
                    torch.as_tensor(self._lookup(self.users_, user[r])),
                    torch.as_tensor(self._lookup(self.items_, item[r])),
                    self._feats(data, r),
                    torch.as_tensor(data.labels[r], dtype=torch.float32),
                )

            tu, ti, tf, ty = tensors(train)
            vu, vi, vf, vy = tensors(val)
            gen = torch.Generator().manual_seed(self.seed)
            best, best_state, waited = np.inf, None, 0
            self.history_ = []
            # a bar on a terminal only (tqdm's disable=None): the first build trains for a minute
            epochs = tqdm(
                range(cfg.max_epochs), desc="training multitask_cf", unit="epoch", leave=False, disable=None
            )
            for _ in epochs:
                net.train()
                order = torch.randperm(train.size, generator=gen)
                for start in range(0, train.size, cfg.batch_size):
                    b = order[start : start + cfg.batch_size]
                    opt.zero_grad()
                    loss = loss_fn(net(tu[b], ti[b], [f[b] for f in tf]), ty[b])
                    loss.backward()
                    opt.step()
                if n_val == 0:
                    continue
                net.eval()
                with torch.no_grad():
                    v = float(loss_fn(net(vu, vi, vf), vy))
                self.history_.append(v)
                epochs.set_postfix(val_loss=f"{v:.4f}", refresh=False)
                if v < best - 1e-5:
                    best, waited = v, 0
                    best_state = {k: t.clone() for k, t in net.state_dict().items()}
                else:
                    waited += 1
                    if waited >= cfg.patience:
                        break
            epochs.close()
            if best_state is not None:
                net.load_state_dict(best_state)
            with torch.no_grad():
                net.user.weight[-1] = net.user.weight[:-1].mean(dim=0)
                net.item.weight[-1] = net.item.weight[:-1].mean(dim=0)
        self.net_ = net
        return self

    def predict(
        self, data: Interactions, rows: np.ndarray, labels: Sequence[int] | None = None
    ) -> np.ndarray:
        """P(Y_k = 1) for each row and label k in ``labels`` (None = all K): ``[len(rows), len(labels)]``.

        The heads share one forward pass, so asking for fewer labels costs the same.
        """
        if self.net_ is None:
            raise RuntimeError("MultitaskCFScorer.predict called before fit")
        user, item = self._ids(data)
        rows = np.asarray(rows)
        out = np.empty((rows.size, data.n_labels))
        with _threads(self.cfg.n_threads), torch.no_grad():
            self.net_.eval()
            for start in range(0, rows.size, 65536):
                r = rows[start : start + 65536]
                logits = self.net_(
                    torch.as_tensor(self._lookup(self.users_, user[r])),
                    torch.as_tensor(self._lookup(self.items_, item[r])),
                    self._feats(data, r),
                )
                out[start : start + r.size] = torch.sigmoid(logits).numpy()
        return out if labels is None else out[:, list(labels)]
