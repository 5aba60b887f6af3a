"""Using a model: windowed super-resolution of any length (`windows`), models shipped in the
package (`shipped`), and TorchScript / ONNX export (`export`).
"""
