"""The embedded default corpus: real voices, synthetic voices and piano, built from what the
package registries ship.

VCTK and the paper's piano set cannot be downloaded here, so `python -m audiosr.data.corpus` (run by
`make corpus`) builds three parts in `data/embedded/`, each in its own folder with its own
manifest, each rebuilt only when its recipe changes:

- **speech** (`embedded-speech`, the default): recorded human voices from Debian packages
  (`packaged_speech`), about 25 languages, split by language so test voices are never heard in
  training.
- **tts** (`embedded-tts`): flite's four 16 kHz CMU voices and eight espeak-ng voice variants
  (22.05 kHz, resampled) reading `assets/sentences.txt`, plus the one real voice alsa-utils
  ships. Kept for comparison: a model that learns to extend TTS spectra learns little about
  real voices. flite's `slt` is the SingleSpeaker-style voice; `MULTI_ROLES` holds voices out.
- **piano** (`embedded-piano`): scores bundled with music21 played on the FluidR3 GM sampled
  piano with fluidsynth, each cut to its first `MAX_PIECE_S` seconds, split 88 / 6 / 6.

Everything is deterministic (same bytes for the same package and tool versions), written to a
temporary folder and renamed into place. Each `manifest.csv` records every clip: source and its
version, voice/piece, language, duration, splits, licence, energy above 4 kHz, bandwidth, a
SHA-256, and for files left out the reason.

Modules, lowest first: `render` (what the parts share: jobs, parallel rendering, measuring,
tool versions); one per part, `speech` (with `packaged_speech`), `tts` and `piano`; `build`
(recipes, the build, manifests); `bundle` (a built part as FLAC in one tar, and back, for a GPU
machine); `summary` (the table the command prints); `__main__` (the command). This file imports
none of them, so the imports run one way.
"""
