"""Embedding retrieval: top-m of the session's corpus by inner product <u(X), v(Z)>.

The search is exact (a per-session matrix product and a top-m, plain numpy): each session only
ranks its own corpus, so a global nearest-neighbour index would have to be filtered per session
anyway. An approximate index (e.g. HNSW) could replace :func:`inner_products` behind the same
interface for large corpora.

Where embeddings come from (``cfg.item_embedding``), user embedding u = the session features X:

* ``"projection"`` (default, works for every dataset): v(Z) = Z W, the row features mapped into the
  session-feature space by a ridge regression of each row's session features on its row features,
  fitted on the pool rows. No labels are used. <u, v> is large for items typical of the corpora of
  sessions like X: a content-based affinity retrieval.
* ``"aligned"``: v(Z) = the last d_s row-feature columns, for datasets whose session features
  live in the same space as those columns (MovieLens: genre history vs the movie's genre flags;
  synthetic: the session features are the mean of its corpus rows, every column). Raises if the
  row features have fewer than d_s columns.

``normalize=true`` ranks by cosine similarity instead (both embeddings scaled to unit norm).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sysfair.errors import SysfairError
from sysfair.retrievers.base import RetrievalInputs, top_m_per_session


def item_embeddings(
    *,
    row_features: np.ndarray,
    session_features: np.ndarray,
    session: np.ndarray,
    method: str,
    ridge: float = 1.0,
) -> np.ndarray:
    """Item embeddings ``[N, d_s]`` of the rows ``row_features [N, d]`` in the session space.

    Args:
        row_features: ``[N, d]``.
        session_features: ``[S, d_s]``.
        session: ``[N]`` session of each row.
        method: ``"projection"`` or ``"aligned"`` (see the module docstring).
        ridge: L2 penalty of the projection, relative to the mean feature variance.
    """
    d_s = session_features.shape[1]
    if d_s == 0:
        raise SysfairError("retriever=embedding_knn needs session features (the log has d = 0)")
    z = np.asarray(row_features, dtype=np.float64)
    if method == "aligned":
        if z.shape[1] < d_s:
            raise SysfairError(
                f"retriever.item_embedding='aligned' needs at least d_s={d_s} row-feature columns "
                f"(the rows have {z.shape[1]}); use item_embedding=projection"
            )
        return z[:, z.shape[1] - d_s :]
    if method != "projection":
        raise SysfairError(f"retriever.item_embedding={method!r}: use 'projection' or 'aligned'")
    target = np.asarray(session_features, dtype=np.float64)[session]  # [N, d_s]
    mu = z.mean(axis=0)
    zc = z - mu
    gram = zc.T @ zc / max(z.shape[0], 1)
    lam = ridge * max(float(np.trace(gram)) / max(gram.shape[0], 1), 1e-12)
    w = np.linalg.solve(
        gram + lam * np.eye(gram.shape[0]), zc.T @ (target - target.mean(axis=0)) / z.shape[0]
    )
    return zc @ w + target.mean(axis=0)


def inner_products(*, user: np.ndarray, item: np.ndarray, session: np.ndarray, normalize: bool) -> np.ndarray:
    """``<user[session[i]], item[i]>`` for each row i: ``user [S, e]``, ``item [N, e]`` -> ``[N]``."""
    u = np.asarray(user, dtype=np.float64)[session]
    v = np.asarray(item, dtype=np.float64)
    if normalize:
        u = u / np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-12)
        v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return np.einsum("ne,ne->n", u, v)


class EmbeddingKnnRetriever:
    """Exact top-m by inner product of session and item embeddings (module docstring)."""

    def __init__(self, cfg: Any) -> None:
        self.m = int(cfg.m)
        self.method = str(cfg.item_embedding)
        self.normalize = bool(cfg.normalize)
        self.ridge = float(cfg.ridge)

    def retrieve(
        self,
        session: np.ndarray,
        n_sessions: int,
        rng: np.random.Generator,
        *,
        inputs: RetrievalInputs | None = None,
    ) -> np.ndarray:
        """Row indices ``[S, m]`` (-1 = padding); needs ``inputs`` for the features."""
        if inputs is None:
            raise SysfairError(
                "retriever=embedding_knn needs the row and session features (inputs=None given)"
            )
        items = item_embeddings(
            row_features=inputs.row_features,
            session_features=inputs.session_features,
            session=session,
            method=self.method,
            ridge=self.ridge,
        )
        key = inner_products(
            user=inputs.session_features, item=items, session=session, normalize=self.normalize
        )
        return top_m_per_session(session=session, n_sessions=n_sessions, key=key, m=self.m, rng=rng)
