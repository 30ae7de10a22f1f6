"""`convrec data init` (a first schema guessed from tables) and `convrec data check` (a schema
and its tables read and summarised). A schema mistake prints one line naming the file, the
field and the row, and exits 1 (recommender/domain/schema.py SchemaError); nothing is written."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

from bot.cli.log import log
from recommender.data.schema_init import guesses_table, init_schema
from recommender.data.tables import DomainTable, read_tables
from recommender.domain.schema import SchemaError, load_schema


def data_init(args: argparse.Namespace) -> int:
    try:
        guesses, table = init_schema(Path(args.items), Path(args.out),
                                     Path(args.interactions) if args.interactions else None,
                                     force=args.force)
    except SchemaError as error:
        log(f"error: {error}")
        return 1
    print(guesses_table(guesses))
    print(f"\nWrote {args.out}: {len(table.ids):,} items, {len(table.facets)} facets. Review "
          f"the guesses, then: convrec data check --schema {args.out}")
    return 0


def data_check(args: argparse.Namespace) -> int:
    try:
        schema = load_schema(args.schema)
        table = read_tables(schema)
    except SchemaError as error:
        log(f"error: {error}")
        return 1
    print("\n".join(summary(table)))
    return 0


def summary(table: DomainTable) -> list[str]:
    """What `data check` prints: the domain, row counts, the rating scale in use, and per facet
    its type with its distinct values or range."""
    schema = table.schema
    lines = [f"{schema.path}: domain {schema.name!r} ({schema.noun} / {schema.plural})",
             f"items: {len(table.ids):,} from {schema.items.source.describe()}"]
    inter = table.interactions
    if inter is not None:
        line = (f"interactions: {len(inter.items):,} by {len(inter.user_ids):,} users of "
                f"{len(np.unique(inter.items)):,} items, from "
                f"{schema.interactions.source.describe()}")
        if inter.ratings is not None:
            scale = schema.ratings
            explicit = (inter.ratings != scale.implicit) if scale.implicit is not None else \
                np.ones(len(inter.ratings), dtype=bool)
            liked = float(np.mean(inter.ratings[explicit] >= scale.like_threshold)) \
                if explicit.any() else 0.0
            line += (f"; ratings {scale.min:g}-{scale.max:g}, {liked:.0%} of the explicit ones "
                     f"at or above {scale.like_threshold:g}")
            if scale.implicit is not None:
                line += f", {1 - float(np.mean(explicit)):.0%} implicit ({scale.implicit:g})"
        lines.append(line)
    else:
        lines.append("interactions: none (content, facets and popularity only)")
    lines.append(f"facets: {len(table.facets)}")
    width = max([len(name) for name in table.facets] + [4])
    for name, values in table.facets.items():
        facet = schema.facets[name]
        flag = "" if facet.filterable else ", not filtered"
        lines.append(f"  {name:<{width}}  {facet.type:<17}  {facet_summary(facet.type, values)}"
                     f"{flag}")
    lines += [f"note: {note}" for note in table.notes]
    lines.append("OK: the schema loads and every row reads.")
    return lines


def facet_summary(kind: str, values: list) -> str:
    """One facet's values in a few words: distinct counts, a range, true/false counts."""
    present = [v for v in values if v is not None and v != () and v != ""]
    unknown = len(values) - len(present)
    tail = f", {unknown:,} unknown" if unknown else ""
    if not present:
        return "no values" + tail
    if kind in ("numeric", "year", "date"):
        return f"{min(present)} .. {max(present)}" + tail
    if kind == "boolean":
        counts = Counter(present)
        return f"{counts[True]:,} true, {counts[False]:,} false" + tail
    if kind == "text":
        words = np.mean([len(str(v).split()) for v in present])
        return f"{len(present):,} with text, {words:.0f} words on average" + tail
    counts = Counter(v for value in present for v in (value if isinstance(value, tuple)
                                                      else (value,)))
    examples = ", ".join(str(v) for v, _ in counts.most_common(3))
    return f"{len(counts):,} distinct (most common: {examples})" + tail
