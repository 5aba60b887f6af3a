"""audiosr: audio super-resolution (Kuleshov, Enam & Ermon, 2017), literate and reproducible.

One module per concept: `audio` (I/O), `dsp` (the paper's low-res simulation), `datasets`
(clips and splits), `data` (the patch cache), `corpus` (the embedded default corpus),
`plots` and `listen` (what the notebooks show and play).
"""
__version__ = "0.1.0"
