"""NewsML-G2 (and ninjs) output, NewsML-G2 input, and schema validation.

One job per module:

* :mod:`.model` - a Document as the language versions of a story (plain data);
* :mod:`.ids` - guids, story keys and file names, stable across runs;
* :mod:`.build` - story data -> ``newsItem`` / ``packageItem`` / ``newsMessage`` elements;
* :mod:`.versioning` - versions and timestamps against previous outputs;
* :mod:`.validate` - IPTC's 2.35 schema and our profile, compiled once, issues as data;
* :mod:`.serialize` - elements -> bytes;
* :mod:`.format` - the ``newsml`` output format; :mod:`.ninjs` - the ``ninjs`` one;
* :mod:`.read` - NewsML-G2 items, packages and messages -> Documents.

The hardened XML parser every reader uses is :mod:`toolkit.io.xmlsafe`.
"""
