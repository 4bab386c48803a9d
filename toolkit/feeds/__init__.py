"""Wire-feed inputs: RSS 2.0 / Atom feeds and ninjs items become Documents.

Feed metadata (guid, version, provider, dates, byline, language, headline) is kept on the
document and beats anything guessed later: cleaning keeps a title that is already set and
language identification keeps a language that is already set.
"""
