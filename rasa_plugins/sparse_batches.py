"""Rasa's conversion of a batch's sparse features into tensor values, done for the batch at once.

DIET and the ResponseSelector get each training batch from Rasa's data generator, which
turns every example's sparse feature matrix into index rows with three numpy calls of its
own (`np.vstack([i * np.ones_like(x.row), x.row, x.col])`), for every batch of every epoch.
With the features cut to one position (rasa_plugins/sentence_features.py) that per-example
work was the largest piece of Python in the classifiers' training: about an eighth of all
the training process's samples (py-spy, 2026-12-02, the 2-core machine). The replacement
builds the same arrays, in the same order, from one concatenation per column.

tools/rasa_cli.py installs it for training (and cross-validation); at prediction time a
batch is one message and there is nothing to gain. It replaces a private static method, so
`install` first checks Rasa is 3.6 and the method's signature unchanged.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.utils.tensorflow.data_generator import RasaDataGenerator
from rasa.utils.tensorflow.model_data import FeatureArray

from rasa_plugins.patches import check_replaced

# The RasaDataGenerator method replaced here, as Rasa 3.6 defines it (annotations left out).
REPLACED_SIGNATURES = {"_scipy_matrix_to_values": "(array_of_sparse)"}
_RASA_CONVERSION = RasaDataGenerator._scipy_matrix_to_values


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


def install() -> None:
    """Check the installed Rasa, then give its data generator the batched conversion."""
    check_replaced(RasaDataGenerator, REPLACED_SIGNATURES, "rasa_plugins/sparse_batches.py", "REPLACED_SIGNATURES")
    RasaDataGenerator._scipy_matrix_to_values = staticmethod(sparse_batch_values)  # type: ignore[assignment]
