"""Write stand-ins for ``df_modcloth.csv`` / ``df_electronics.csv`` of the real files' size.

For timing ``+sweep=paper`` (and the loaders) where the marketBias files (Wan et al. 2020) cannot
be downloaded. Each file has the real header, the real counts of rows, users and items
(ModCloth 99,893 / 44,783 / 1,020; Electronics 1,292,954 / 1,157,633 / 9,560) and the real
value sets of ``fit``, ``user_attr``, ``model_attr``; purchases per user and per item are
skewed (Zipf-like), ratings lean to 5 stars. The values are random draws, not the data: costs
measured on them are the real recipe's, AUCs and fronts mean nothing.

    python benchmarks/make_marketbias.py DIR [--only modcloth] [--seed 0]
    SYSFAIR_MARKETBIAS=DIR python run.py -m +sweep=paper
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = [
    "item_id", "user_id", "rating", "timestamp", "size", "fit",
    "user_attr", "model_attr", "category", "brand", "year", "split",
]  # fmt: skip


@dataclass(frozen=True)
class Shape:
    """What a stand-in copies of a real file: its size and the value sets of its text columns."""

    file: str
    rows: int
    users: int
    items: int
    user_attr: tuple[str, ...]  # values, then the share of users without one
    missing_attr: float
    model_attr: tuple[str, ...]
    categories: tuple[str, ...]
    fits: tuple[str, ...]  # empty: the column is all missing
    years: tuple[int, int]


SHAPES = {
    "modcloth": Shape(
        "df_modcloth.csv", 99_893, 44_783, 1_020, ("Small", "Large"), 0.6, ("Small", "Small&Large"),
        ("Dresses", "Tops", "Bottoms", "Outerwear"),
        ("Just right", "Slightly small", "Slightly large", "Very small", "Very large"), (2010, 2019),
    ),
    "electronics": Shape(
        "df_electronics.csv", 1_292_954, 1_157_633, 9_560, ("Female", "Male"), 0.7,
        ("Female", "Male", "Female&Male"),
        ("Headphones", "Computers & Accessories", "Camera & Photo", "Portable Audio & Video",
         "Home Audio", "Accessories & Supplies", "Television & Video", "Car Electronics & GPS",
         "Wearable Technology", "Security & Surveillance"),
        (), (1999, 2018),
    ),
}  # fmt: skip
STARS = np.array([1, 2, 3, 4, 5])
STAR_P = np.array([0.07, 0.06, 0.10, 0.20, 0.57])


def stand_in(shape: Shape, rng: np.random.Generator) -> pd.DataFrame:
    """A frame of ``shape.rows`` rows, every user and item used at least once."""
    # purchases per user: 1 each, the rest spread by a Zipf-like weight (most users buy 1-3)
    extra = rng.choice(shape.users, size=shape.rows - shape.users, p=_zipf(shape.users, 1.1, rng))
    user = np.sort(np.r_[np.arange(shape.users), extra])
    # items: every item once, the rest by popularity; a user's repeated item is allowed
    # (the loader keeps the latest row of a (user, item) pair)
    item = np.r_[
        np.arange(shape.items),
        rng.choice(shape.items, size=shape.rows - shape.items, p=_zipf(shape.items, 0.9, rng)),
    ]
    rng.shuffle(item)
    attr = np.array([*shape.user_attr, ""], dtype=object)
    p_attr = np.r_[
        np.full(len(shape.user_attr), (1 - shape.missing_attr) / len(shape.user_attr)), shape.missing_attr
    ]
    user_attr = rng.choice(attr, size=shape.users, p=p_attr)[user]
    item_model = rng.choice(np.array(shape.model_attr, dtype=object), size=shape.items)[item]
    item_cat = rng.choice(np.array(shape.categories, dtype=object), size=shape.items)[item]
    item_year = rng.integers(shape.years[0], shape.years[1] + 1, size=shape.items)[item]
    days = rng.integers(0, 365 * (shape.years[1] - shape.years[0] + 1), size=shape.rows)
    stamp = pd.Timestamp(f"{shape.years[0]}-01-01") + pd.to_timedelta(days, unit="D")
    fit = rng.choice(np.array(shape.fits, dtype=object), size=shape.rows) if shape.fits else ""
    return pd.DataFrame(
        {
            "item_id": item,
            "user_id": user,
            "rating": rng.choice(STARS, size=shape.rows, p=STAR_P),
            "timestamp": stamp.strftime("%Y-%m-%d"),
            "size": rng.integers(1, 20, size=shape.rows) if shape.fits else "",
            "fit": fit,
            "user_attr": user_attr,
            "model_attr": item_model,
            "category": item_cat,
            "brand": "",
            "year": item_year,
            "split": rng.choice(np.array([0, 1, 2]), size=shape.rows, p=[0.8, 0.1, 0.1]),
        },
        columns=HEADER,
    )


def _zipf(n: int, power: float, rng: np.random.Generator) -> np.ndarray:
    """``[n]`` probabilities proportional to 1 / rank**power, ranks in random order."""
    weight = 1.0 / np.arange(1, n + 1) ** power
    rng.shuffle(weight)
    return weight / weight.sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--only", choices=sorted(SHAPES), default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for name, shape in SHAPES.items():
        if args.only not in (None, name):
            continue
        frame = stand_in(shape, np.random.default_rng(args.seed))
        frame.to_csv(args.folder / shape.file, index=False)
        print(f"{args.folder / shape.file}: {len(frame)} rows, {frame.user_id.nunique()} users, "
              f"{frame.item_id.nunique()} items (random values: for timing only)")  # fmt: skip


if __name__ == "__main__":
    main()
