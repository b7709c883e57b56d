"""Rasa's conversion of a training batch's features into tensor values, done for the batch at once.

DIET and the ResponseSelector get each training batch from Rasa's data generator, which
converts the batch's features example by example, for every batch of every epoch:
- each sparse feature matrix into index rows with three numpy calls of its own
  (`np.vstack([i * np.ones_like(x.row), x.row, x.col])`);
- each dense feature array by copying it, as a numpy view of its own, into a zero-padded
  batch array, even when every example has the same length (as the sentence-level
  features of rasa_plugins/sentence_features.py all do).
With the features cut to one position, that per-example work was the largest piece of
Python in the classifiers' training (py-spy, 2026-12-02, the 2-core machine: the sparse
conversion an eighth of all samples, then the dense padding 25 s of a 146 s profile, run
beside the training steps and competing with them for the two cores). The replacements
build the same arrays, in the same order and dtypes: the sparse ones from one
concatenation per column, the dense ones with one cast when the examples already form one
array of equal lengths (Rasa's own padding otherwise).

tools/rasa_cli.py installs them for training (and cross-validation); at prediction time a
batch is one message and there is nothing to gain. They replace private static methods, so
`install` first checks Rasa is 3.6 and the methods' signatures unchanged.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.utils.tensorflow.data_generator import RasaDataGenerator
from rasa.utils.tensorflow.model_data import FeatureArray

from rasa_plugins.patches import check_replaced

# The RasaDataGenerator methods replaced here, as Rasa 3.6 defines them (annotations left out).
REPLACED_SIGNATURES = {"_scipy_matrix_to_values": "(array_of_sparse)", "_pad_dense_data": "(array_of_dense)"}
_RASA_CONVERSION = RasaDataGenerator._scipy_matrix_to_values
_RASA_PADDING = RasaDataGenerator._pad_dense_data


def sparse_batch_values(array_of_sparse: FeatureArray) -> list[np.ndarray]:
    """Indices (example, row, column), values and dense shape of a batch of sparse matrices,
    exactly as Rasa's `_scipy_matrix_to_values` returns them."""
    if array_of_sparse.number_of_dimensions == 4:  # dialogue features: Rasa's own conversion
        return _RASA_CONVERSION(array_of_sparse)
    matrices = [x if isinstance(x, scipy.sparse.coo_matrix) else x.tocoo() for x in array_of_sparse]
    examples = np.repeat(np.arange(len(matrices), dtype=np.int64), [x.nnz for x in matrices])
    indices = np.column_stack([examples,
                               np.concatenate([x.row for x in matrices]).astype(np.int64),
                               np.concatenate([x.col for x in matrices]).astype(np.int64)])
    values = np.concatenate([x.data for x in matrices]).astype(np.float32)
    shape = np.array((len(matrices), max(x.shape[0] for x in matrices), matrices[0].shape[-1]), dtype=np.int64)
    return [indices, values, shape]


def dense_batch_values(array_of_dense: FeatureArray) -> np.ndarray:
    """A batch of dense feature arrays padded into one float32 array, exactly as Rasa's
    `_pad_dense_data` returns it."""
    if array_of_dense.dtype != object and array_of_dense.ndim == 3 and array_of_dense.number_of_dimensions == 3:
        return np.array(array_of_dense, dtype=np.float32)  # equal lengths already: nothing to pad
    return _RASA_PADDING(array_of_dense)


def install() -> None:
    """Check the installed Rasa, then give its data generator the batched conversions."""
    check_replaced(RasaDataGenerator, REPLACED_SIGNATURES, "rasa_plugins/batch_values.py", "REPLACED_SIGNATURES")
    RasaDataGenerator._scipy_matrix_to_values = staticmethod(sparse_batch_values)  # type: ignore[assignment]
    RasaDataGenerator._pad_dense_data = staticmethod(dense_batch_values)  # type: ignore[assignment]
