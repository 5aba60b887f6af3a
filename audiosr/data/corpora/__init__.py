"""The corpora as they are distributed, one module each: where their files are and the paper's
split over them. `audiosr.data.clips` names them and picks the right one for a folder.

- `vctk`: VCTK in either release's layout, the paper's SingleSpeaker / MultiSpeaker splits.
- `librispeech`: LibriSpeech's subsets, split by speaker as it balances its own.
- `samplernn`: SampleRNN's piano parts, the paper's piano split.
- `folder`: any other folder of audio files, 88 / 6 / 6 by file.
- `embedded`: the embedded corpus `audiosr.data.corpus` builds, split by its manifests.
"""
