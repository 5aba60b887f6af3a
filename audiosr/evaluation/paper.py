"""The paper's reported numbers (Kuleshov et al. 2017), for side-by-side columns.

They were measured on VCTK and the Beethoven piano set; tables label them as the paper's so no
one reads them as ours.
"""

from __future__ import annotations

# Table 2: (SNR dB, LSD) per task and ratio; None where the paper reports n/a.
TABLE2 = {
    ("SingleSpeaker", 2): {"Spline": (20.3, 4.5), "DNN": (20.1, 3.7), "Ours": (21.1, 3.2)},
    ("SingleSpeaker", 4): {"Spline": (14.8, 8.2), "DNN": (15.9, 4.9), "Ours": (17.1, 3.6)},
    ("SingleSpeaker", 6): {"Spline": (10.4, 10.3), "DNN": None, "Ours": (14.4, 3.4)},
    ("MultiSpeaker", 2): {"Spline": (19.7, 4.4), "DNN": (19.9, 3.6), "Ours": (20.7, 3.1)},
    ("MultiSpeaker", 4): {"Spline": (13.0, 8.0), "DNN": (14.9, 5.8), "Ours": (16.1, 3.5)},
    ("MultiSpeaker", 6): {"Spline": (9.1, 10.1), "DNN": None, "Ours": (10.0, 3.7)},
    ("Piano", 2): {"Spline": (29.4, 3.5), "DNN": (29.3, 3.4), "Ours": (30.1, 3.4)},
    ("Piano", 4): {"Spline": (22.2, 5.8), "DNN": (23.0, 5.2), "Ours": (23.5, 3.6)},
    ("Piano", 6): {"Spline": (15.4, 7.3), "DNN": None, "Ours": (16.1, 4.4)},
}

# Table 3 (piano, r = 2): (SNR dB, LSD) by (trained with low-pass, tested with low-pass).
TABLE3 = {
    (True, True): (30.1, 3.4),
    (True, False): (0.42, 4.5),
    (False, True): (0.43, 4.4),
    (False, False): (33.2, 3.3),
}


def paper_task(dataset: str, task: str) -> str:
    """Which of the paper's rows a dataset / task stands in for."""
    if "piano" in str(dataset).lower():
        return "Piano"
    return "SingleSpeaker" if task == "single" else "MultiSpeaker"
