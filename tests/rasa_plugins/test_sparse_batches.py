"""The batched conversion of sparse features gives exactly what Rasa's own conversion gives."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.utils.tensorflow.data_generator import RasaDataGenerator
from rasa.utils.tensorflow.model_data import FeatureArray

from rasa_plugins import sparse_batches
from rasa_plugins.patches import UnsupportedRasa

RASA = sparse_batches._RASA_CONVERSION


def _batch(lengths: list[int], features: int, seed: int, formats: tuple[str, ...] = ("coo",)) -> FeatureArray:
    rng = np.random.default_rng(seed)
    matrices = np.empty(len(lengths), dtype=object)
    for i, length in enumerate(lengths):
        density = 0.0 if i == 1 else 0.05  # one example without any feature
        matrix = scipy.sparse.random(length, features, density=density, random_state=rng, dtype=np.float64)
        matrices[i] = matrix.asformat(formats[i % len(formats)])
    return FeatureArray(matrices, number_of_dimensions=3)


@pytest.mark.parametrize("lengths,formats", [
    ([1] * 64, ("coo",)),                         # sentence-level features, as the classifiers get them
    ([3, 1, 7, 2, 5], ("coo",)),                  # sequences of different lengths
    ([2, 4, 1, 3], ("csr", "coo")),               # matrices Rasa would convert first
])
def test_same_indices_values_and_shape_as_rasa(lengths: list[int], formats: tuple[str, ...]):
    batch = _batch(lengths, features=300, seed=len(lengths), formats=formats)
    expected, found = RASA(batch), sparse_batches.sparse_batch_values(batch)
    assert len(found) == len(expected) == 3
    for want, got in zip(expected, found, strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_dialogue_features_are_left_to_rasa(monkeypatch):
    calls = []
    monkeypatch.setattr(sparse_batches, "_RASA_CONVERSION", lambda array: calls.append(array) or ["rasa"])
    dialogue = FeatureArray(np.array([np.array([scipy.sparse.coo_matrix((1, 4))], dtype=object)], dtype=object),
                            number_of_dimensions=4)
    assert sparse_batches.sparse_batch_values(dialogue) == ["rasa"] and calls == [dialogue]


def test_install_gives_the_data_generator_the_batched_conversion(monkeypatch):
    monkeypatch.setattr(RasaDataGenerator, "_scipy_matrix_to_values", RasaDataGenerator._scipy_matrix_to_values)
    sparse_batches.install()
    batch = _batch([1, 1, 1], features=20, seed=3)
    values = RasaDataGenerator.prepare_batch({"text": {"sentence": [batch]}})
    np.testing.assert_array_equal(values[0], RASA(batch)[0])
    assert RasaDataGenerator._scipy_matrix_to_values is sparse_batches.sparse_batch_values


def test_it_refuses_a_rasa_whose_conversion_changed(monkeypatch):
    monkeypatch.setattr(RasaDataGenerator, "_scipy_matrix_to_values", staticmethod(lambda array, pad=0: []))
    with pytest.raises(UnsupportedRasa, match="_scipy_matrix_to_values"):
        sparse_batches.install()
