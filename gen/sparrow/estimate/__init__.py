"""Analytical energy estimates of SNNs and their QNN twins, before any synthesis.

Layered on :mod:`sparrow.model` (descriptor, golden model) only. Estimators:

* ``analytical``: the SNN/QNN model of Yan, Bai, Wong (arXiv 2409.08290), reconstructed
  (:mod:`.analytical`), with its break-even spike rate;
* ``naive``: FLOPs x T x (1 - sparsity) x E_AC vs FLOPs x E_MAC (:mod:`.naive`);
* ``sata``: a sparsity-aware systolic array after SATA (:mod:`.sata`);
* ``spikesim``: analog in-memory-computing crossbars after SpikeSim (:mod:`.spikesim`).
"""
