"""The models: AudioUNet (`audiounet`), the DNN baseline (`dnn`), and saving and loading
them without executing code (`checkpoint`).
"""
