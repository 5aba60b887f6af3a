"""The ground every stage stands on: paths and atomic writes (`paths`), progress bars
(`progress`), ending a command well (`signals`), CSV / markdown tables (`tables`), audio file I/O
(`audio`), the paper's low-res simulation and spline (`dsp`), the input band every model sees
(`band`), SNR and LSD (`metrics`), perceptual measures (`perceptual`), and devices (`distrib`). Nothing here imports another stage.
"""
