"""Training: the loop and the training command (`train`), its config (`config`), run folders
(`runs`), and params files (`params`), the notebooks' plain values as configs.
"""
