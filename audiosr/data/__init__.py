"""What the models learn from: dataset names to clips (`clips`), the clips' splits (`splits`),
the corpora as distributed, one module each (`corpora`), the patch cache the networks train on
(`patches`), how low-res audio is really made (`makers`), what a training example goes
through (`degrade`), and the embedded corpus built from what the package registries ship
(`corpus`).
"""
