"""Compiles the gettext catalogs into the wheel; everything else is in pyproject.toml."""

import importlib.util
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        spec = importlib.util.spec_from_file_location(
            "catalogs", HERE / "undersigned" / "core" / "catalogs.py"
        )
        catalogs = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = catalogs  # dataclasses look their module up there
        spec.loader.exec_module(catalogs)
        built = Path(self.build_lib) / "undersigned" / "locale"
        catalogs.compile_catalogs(built if built.is_dir() else HERE / "undersigned" / "locale")


setup(cmdclass={"build_py": BuildWithCatalogs})
