"""Offline translation: model store, routing, CTranslate2 engine, sentence splitting, script conversion.

Modules (each imports its heavy dependencies only when used):

* :mod:`.langs`: one table of BCP 47 / argos / NLLB codes and the canonical tag rule;
* :mod:`.store`: ``.argosmodel`` packages, safe atomic install, listing, removal;
* :mod:`.routing`: direct, multilingual and pivot routes (plus script conversion);
* :mod:`.engine`: the batched CTranslate2 engine with a sentence cache;
* :mod:`.argos`: the optional argostranslate engine;
* :mod:`.split`: language-aware sentence splitting;
* :mod:`.translit`: Uzbek Latin <-> Cyrillic, Kazakh Cyrillic -> Latin (2021).

Tiny real models for tests and benchmarks are built by the repository's ``tools/testmodels.py``
(not part of the installed package).

The pipeline step is :class:`toolkit.processors.translate.Translate` (``translate``).
"""
