"""Showing results to people: the listening panel (`listen`), loudness matching
(`loudness`), MUSHRA: the webMUSHRA export (`mushra_export`, its config template
`webmushra.yaml`) and the ratings' analysis (`mushra_analysis`), and figures (`plots`).
"""
