"""What the models learn from: clips and the paper's splits (`clips`), the patch cache the
networks train on (`patches`), how low-res audio is really made (`degrade`), and the embedded
corpus built from what the package registries ship (`corpus`).
"""
