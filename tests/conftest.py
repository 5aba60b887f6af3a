"""Fixture audio is generated here, never downloaded: small folders in the real corpora's layouts."""

from dataclasses import asdict

import pytest
import torch
from helpers import LIBRI_SUBSETS, piano_pieces, tone_mix, write

from audiosr.inference.shipped import save_model
from audiosr.networks.config import ModelConfig, build_model


@pytest.fixture
def model_file(tmp_path):
    """A small r = 4 AudioUNet (random weights, a visible correction) as a .safetensors file."""
    torch.manual_seed(0)
    cfg = ModelConfig(ratio=4, width=1 / 16)
    model = build_model(cfg)
    torch.nn.init.normal_(model.last.weight, std=0.05)
    return save_model(model.state_dict(), tmp_path / "m.safetensors", {"model_config": asdict(cfg)})


@pytest.fixture
def vctk080(tmp_path):
    """VCTK 0.80 layout: VCTK-Corpus/wav48/pNNN/pNNN_MMM.wav at 48 kHz, 109 speakers.

    p225 has 231 utterances as in the real corpus; the others 2 each (the splits only need
    speaker order). Files are tiny (20 ms) to keep the fixture fast.
    """
    root = tmp_path / "VCTK-Corpus"
    speakers = ["p225"] + [f"p{n}" for n in range(226, 226 + 108)]
    for s in speakers:
        n_utt = 231 if s == "p225" else 2
        for u in range(1, n_utt + 1):
            write(root / "wav48" / s / f"{s}_{u:03d}.wav", tone_mix(960, 48000, seed=u % 5), 48000)
    return tmp_path


@pytest.fixture
def vctk092(tmp_path):
    """VCTK 0.92 layout: wav48_silence_trimmed/pNNN/pNNN_MMM_mic1.flac (and mic2, ignored), with
    the release's extra speaker folder `s5`, which is not one of the paper's speakers."""
    root = tmp_path / "VCTK-Corpus-0.92"
    for s in ["p225", "p226", "p227", "s5"]:
        for u in range(1, 21):
            for mic in (1, 2):
                write(
                    root / "wav48_silence_trimmed" / s / f"{s}_{u:03d}_mic{mic}.flac",
                    tone_mix(4800, 48000, seed=u % 3),
                    48000,
                )
    return tmp_path


@pytest.fixture
def piano_folder(tmp_path):
    """A folder of 50 'pieces' (the paper's piano set is a flat folder of files)."""
    return piano_pieces(tmp_path / "piano")


@pytest.fixture
def librispeech(tmp_path):
    """LibriSpeech as distributed: LibriSpeech/<subset>/<spk>/<chapter>/<spk>-<chapter>-<utt>.flac.

    Beside the audio, the official text files (SPEAKERS.TXT with its `;` header and `|` columns,
    a reader whose name holds bars, a reader with no audio here; CHAPTERS.TXT, LICENSE.TXT, one
    <spk>-<chapter>.trans.txt per chapter) and strays: a README, a notes.json, an empty chapter.
    Every speaker reads 2 utterances of one chapter; reader 19 has a second chapter.
    """
    root = tmp_path / "LibriSpeech"
    rows = []
    for subset, readers in LIBRI_SUBSETS.items():
        for spk, sex in readers.items():
            rows.append(f"{spk:<5}| {sex} | {subset:<16} | 25.03 | Reader {spk}")
            for ch in [1000 + spk] + ([2000] if spk == 19 else []):
                folder = root / subset / str(spk) / str(ch)
                for u in range(2):
                    write(folder / f"{spk}-{ch}-{u:04d}.flac", tone_mix(320, seed=u))
                (folder / f"{spk}-{ch}.trans.txt").write_text(
                    "".join(f"{spk}-{ch}-{u:04d} SOME WORDS\n" for u in range(2))
                )
    rows.append("14   | M | train-clean-100  | 20.18 | |CBW|Simon")
    (root / "SPEAKERS.TXT").write_text(
        "; Some pipe(|) separated metadata about all LibriVox readers\n;\n"
        ";ID  |SEX| SUBSET           |MINUTES| NAME\n" + "\n".join(rows) + "\n"
    )
    (root / "CHAPTERS.TXT").write_text(
        ";ID |READER|MINUTES| SUBSET | PROJ.|BOOK ID| CH. TITLE | PROJECT TITLE\n"
    )
    (root / "LICENSE.TXT").write_text("CC BY 4.0\n")
    (root / "README.TXT").write_text("stray\n")
    (root / "train-clean-100" / "19" / "notes.json").write_text("{}\n")
    (root / "train-clean-100" / "26" / "9999").mkdir()
    return root
