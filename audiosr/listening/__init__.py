"""Showing results to people: the listening panel (`listen`), loudness matching
(`loudness`), MUSHRA exports (`mushra`) and figures (`plots`).
"""
