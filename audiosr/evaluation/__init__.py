"""Scoring: SNR and LSD (`metrics`), the spline and resampler baselines (`baselines`),
perceptual measures (`perceptual`), the paper's numbers (`paper`), whole-file evaluation
(`evaluate`) and speed benchmarks (`bench`).
"""
