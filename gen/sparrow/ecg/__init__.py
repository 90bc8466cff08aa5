"""The ECG application: MIT-BIH beats, training of the reference model, its evaluation.

``data`` (beats, labels, splits, cache), ``metrics`` (confusion matrix, Se, +P) and
``evaluate`` (golden-model evaluation, T sweep) need only numpy, wfdb and matplotlib;
``train`` and ``network`` need PyTorch (``./setup.sh train``) and import it lazily.
"""
