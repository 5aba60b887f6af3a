"""Using a model: windowed super-resolution of any length (`windows`), input at any rate brought
to the model's (`rates`), arrays in memory (`arrays`, `audiosr.upsample`) and files in flat
memory (`files`, `audiosr upsample`), models shipped in the package (`shipped`), and
TorchScript / ONNX export (`export`).
"""
