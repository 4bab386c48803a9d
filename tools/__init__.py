"""Build-time tools of the repository (model builders, test models): not part of the installed package."""
