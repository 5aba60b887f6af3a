"""Scoring (SNR and LSD are `core.metrics`, perceptual measures `core.perceptual`): the spline
and resampler baselines (`baselines`), the paper's numbers (`paper`), whole-file evaluation
(`evaluate`), Tables 2 and 3 beside the paper's (`paper_tables`), models on real speech
(`real_speech`), and the command (`python -m audiosr.evaluation`). Speed is `audiosr.speed`.
"""
