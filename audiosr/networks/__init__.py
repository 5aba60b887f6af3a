"""The models: their settings and how one is built (`config`), AudioUNet (`audiounet`), the DNN
baseline (`dnn`), the training objectives and the adversarial losses (`losses`), the
discriminators of the adversarial stage (`discriminators`), and saving and loading them without
executing code (`checkpoint`).
"""
