"""The batched conversions of a batch's features give exactly what Rasa's own conversions give."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.utils.tensorflow.data_generator import RasaDataGenerator
from rasa.utils.tensorflow.model_data import FeatureArray

from rasa_plugins import batch_values
from rasa_plugins.patches import UnsupportedRasa

RASA = batch_values._RASA_CONVERSION
RASA_PADDING = batch_values._RASA_PADDING


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
    expected, found = RASA(batch), batch_values.sparse_batch_values(batch)
    assert len(found) == len(expected) == 3
    for want, got in zip(expected, found, strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_dialogue_features_are_left_to_rasa(monkeypatch):
    calls = []
    monkeypatch.setattr(batch_values, "_RASA_CONVERSION", lambda array: calls.append(array) or ["rasa"])
    dialogue = FeatureArray(np.array([np.array([scipy.sparse.coo_matrix((1, 4))], dtype=object)], dtype=object),
                            number_of_dimensions=4)
    assert batch_values.sparse_batch_values(dialogue) == ["rasa"] and calls == [dialogue]


def _dense(lengths: list[int], features: int, seed: int) -> FeatureArray:
    """Dense features as Rasa's model data holds them: one array when the lengths are equal."""
    rng = np.random.default_rng(seed)
    examples = [rng.random((length, features)) for length in lengths]
    if len(set(lengths)) == 1:
        return FeatureArray(np.array(examples), number_of_dimensions=3)
    ragged = np.empty(len(examples), dtype=object)
    ragged[:] = examples
    return FeatureArray(ragged, number_of_dimensions=3)


@pytest.mark.parametrize("lengths", [[1] * 64, [4, 4, 4], [3, 1, 7, 2]])  # sentence-level; equal; ragged
def test_same_padded_dense_array_as_rasa(lengths: list[int]):
    batch = _dense(lengths, features=30, seed=len(lengths))
    expected, found = RASA_PADDING(batch), batch_values.dense_batch_values(batch)
    assert type(found) is type(expected) is np.ndarray
    assert found.dtype == expected.dtype == np.float32 and found.shape == expected.shape
    np.testing.assert_array_equal(found, expected)


def test_other_dense_shapes_are_left_to_rasa(monkeypatch):
    calls = []
    monkeypatch.setattr(batch_values, "_RASA_PADDING", lambda array: calls.append(array) or "rasa")
    flat = FeatureArray(np.arange(6.0).reshape(6, 1)[:, 0], number_of_dimensions=1)
    assert batch_values.dense_batch_values(flat) == "rasa" and calls == [flat]


def test_install_gives_the_data_generator_the_batched_conversions(monkeypatch):
    monkeypatch.setattr(RasaDataGenerator, "_scipy_matrix_to_values", RasaDataGenerator._scipy_matrix_to_values)
    monkeypatch.setattr(RasaDataGenerator, "_pad_dense_data", RasaDataGenerator._pad_dense_data)
    batch_values.install()
    batch, dense = _batch([1, 1, 1], features=20, seed=3), _dense([1, 1, 1], features=5, seed=3)
    values = RasaDataGenerator.prepare_batch({"text": {"sentence": [batch, dense]}})
    np.testing.assert_array_equal(values[0], RASA(batch)[0])
    np.testing.assert_array_equal(values[3], RASA_PADDING(dense))
    assert RasaDataGenerator._scipy_matrix_to_values is batch_values.sparse_batch_values
    assert RasaDataGenerator._pad_dense_data is batch_values.dense_batch_values


@pytest.mark.parametrize("method", ["_scipy_matrix_to_values", "_pad_dense_data"])
def test_it_refuses_a_rasa_whose_conversion_changed(monkeypatch, method):
    monkeypatch.setattr(RasaDataGenerator, method, staticmethod(lambda array, pad=0: []))
    with pytest.raises(UnsupportedRasa, match=method):
        batch_values.install()
