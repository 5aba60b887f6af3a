"""The models: AudioUNet (`audiounet`), the DNN baseline (`dnn`), the losses beyond the MSE
(`losses`) and the discriminators of the adversarial stage (`discriminators`), and saving and
loading them without executing code (`checkpoint`).
"""
