"""The inverted index of a facet's values (recommender/domain/constraints.py facet_index): a
filter on a facet reads rows from it instead of looping over the catalog per turn."""

from __future__ import annotations

import numpy as np

from recommender.domain.catalog import Catalog, Item
from recommender.domain.constraints import (
    FACET_INDEX_FILE,
    ConstraintIndex,
    Constraints,
    facet_index,
    save_facet_indexes,
)


def test_values_are_keyed_as_facet_key_compares_them():
    index = facet_index([["Stephen King"], None, ["stephen king", "Peter Straub"],
                         "Kanban Boards", ["Kanban Board", "kanban boards"]])
    assert index["stephen king"].tolist() == [0, 2]
    assert index["peter straub"].tolist() == [2]
    assert index["kanban board"].tolist() == [3, 4]  # one row once, though two values match


def test_masks_and_constraints_read_the_index():
    items = [Item(id=str(i), title=f"b{i}", year=None, genres=(), facets=facets)
             for i, facets in enumerate([{"author": ["Stephen King"], "publisher": "Scribner"},
                                         {"author": ["Agatha Christie"], "publisher": "Berkley"},
                                         {"author": ["Stephen King", "Peter Straub"]},
                                         {"publisher": "Scribner"}])]
    index = ConstraintIndex(Catalog(items))
    assert index.facet_mask("author", "stephen king").tolist() == [True, False, True, False]
    assert not index.facet_mask("author", "nobody").any()
    wanted = Constraints(facets_wanted={"author": {"Stephen King"}},
                         facets_unwanted={"publisher": {"Scribner"}})
    assert np.flatnonzero(index.allowed(wanted, np.zeros(0, dtype=np.int64))).tolist() == [2]


def test_a_saved_index_beside_the_catalog_is_read_instead_of_built(tmp_path):
    items = [Item(id="1", title="a", year=None, genres=(), facets={"author": ["Real Name"]})]
    catalog = Catalog(items)
    catalog.folder = tmp_path
    save_facet_indexes(tmp_path / FACET_INDEX_FILE,
                       {"author": {"saved name": np.array([0], dtype=np.int64)}})
    index = ConstraintIndex(catalog)
    assert index.facet_mask("author", "Saved Name").tolist() == [True]  # from the file
    assert not index.facet_mask("author", "Real Name").any()
