"""Scoring (SNR and LSD are `core.metrics`, perceptual measures `core.perceptual`): the spline
and resampler baselines (`baselines`), the paper's numbers (`paper`), whole-file evaluation
(`evaluate`), Tables 2 and 3 beside the paper's (`paper_tables`), models on real speech
(`real_speech`), checks of the models and the command that tables cannot show (`checks`), what a
frame generator's fill of the missing band is worth (`fill`), the
command (`python -m audiosr.evaluation`), and the reports made from written tables (`report`, the
command `audiosr report`). Speed is `audiosr.speed`.
"""
