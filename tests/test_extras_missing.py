"""Without an optional extra, a public function raises ExtraMissingError naming the extra and
the install command, and a command prints one line and exits 1: never a bare
ModuleNotFoundError or a traceback. A missing module is simulated with ``sys.modules[name] =
None``, which makes ``import name`` fail as if it were not installed."""

from __future__ import annotations

import pickle
import sys
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import magcore
import magcore.forms
from magcore import hookimpl
from magcore.access.statistics_audit import SolverMissing
from magcore.cli import cli
from magcore.cli._app import App
from magcore.errors import ExtraMissingError, MagcoreError
from magcore.extras import EXTRAS, extra_of, importing
from magcore.plugins import get_plugin_manager

ROOT = Path(__file__).resolve().parents[1]


def _without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """*modules* cannot be imported, and magcore's modules that imported them are forgotten."""
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)
    for name in ("magcore.forms.render", "magcore.forms.pdf"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    for name in ("render_form", "render_record", "render_pdf"):  # magcore keeps what it found
        if name in vars(magcore):
            monkeypatch.delattr(magcore, name)


def _form() -> magcore.FormDefinition:
    from tests.forms.support import mag_form

    return mag_form("agreement")


@pytest.mark.parametrize(
    "get",
    [
        lambda: magcore.render_form,
        lambda: magcore.forms.render_form,
        lambda: magcore.forms.render_record,
        lambda: magcore.forms.render_paper,
    ],
)
def test_html_rendering_without_jinja2_names_the_html_extra(monkeypatch, get):
    _without(monkeypatch, "jinja2")
    with pytest.raises(ExtraMissingError) as caught:
        get()
    assert caught.value.extra == "html"
    assert caught.value.missing == ("jinja2",)
    assert isinstance(caught.value, MagcoreError)
    assert isinstance(caught.value, ImportError)  # `except ImportError` keeps working
    assert "pip install 'magcore[html]'" in str(caught.value)


def test_html_rendering_needs_jinja2_only_not_markdown_it(monkeypatch):
    """The html extra brings markdown-it-py for the regulation; a form renders without it."""
    _without(monkeypatch, "markdown_it")
    assert "<form" in magcore.forms.render_form(_form())


@pytest.mark.parametrize("module", ["weasyprint", "jinja2"])
def test_the_pdf_without_its_modules_names_the_pdf_extra(monkeypatch, module):
    form = _form()
    _without(monkeypatch, module)
    with pytest.raises(ExtraMissingError) as caught:
        magcore.forms.render_pdf(form)
    assert caught.value.extra == "pdf"
    assert module in caught.value.missing
    assert "pip install 'magcore[pdf]'" in str(caught.value)


def test_importing_turns_a_missing_module_into_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "no_such_module_for_magcore", None)
    with (
        pytest.raises(ExtraMissingError, match=r"pip install 'magcore\[parquet\]'") as caught,
        importing("parquet", feature="my log"),
    ):
        import no_such_module_for_magcore  # noqa: F401
    assert str(caught.value).startswith("my log needs the optional extra 'parquet'")
    assert caught.value.missing == ("no_such_module_for_magcore",)


def test_extra_of_knows_the_modules_of_each_extra():
    assert extra_of("pyarrow.parquet") == "parquet"
    assert extra_of("jinja2") == "html"
    assert extra_of("opentelemetry") == "logboek"
    assert extra_of("highspy") == "statistics"
    assert extra_of("pyarrowish") is None
    assert extra_of(None) is None


def test_every_feature_extra_of_the_distribution_is_known():
    """EXTRAS lists every extra of pyproject.toml that a feature needs, with its modules."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = set(project["optional-dependencies"]) - {"testing", "dev", "docs"}
    assert set(EXTRAS) == declared


def test_the_missing_solver_is_an_extra_missing_error_and_survives_a_process_pool():
    error = pickle.loads(pickle.dumps(SolverMissing()))
    assert isinstance(error, ExtraMissingError)
    assert error.extra == "statistics"
    assert "pip install 'magcore[statistics]'" in str(error)
    other = pickle.loads(pickle.dumps(ExtraMissingError("plots", "the plots", ["matplotlib"])))
    assert (other.extra, other.feature, other.missing) == ("plots", "the plots", ("matplotlib",))


# -- the command ---------------------------------------------------------------------------


class _Importer:
    """A plugin whose command imports a module (to reach the command's safety net)."""

    def __init__(self, module: str) -> None:
        self.module = module

    @hookimpl
    def magcore_register_commands(self, cli: click.Group) -> None:
        module = self.module

        @cli.command("import-it")
        def import_it() -> None:
            __import__(module)


def _run(tmp_path: Path, *args: str, host=None):
    app = App(config_path=tmp_path / "magcore.toml", host=host)
    return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)


def test_a_command_that_reaches_a_missing_extra_says_so_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    host = get_plugin_manager(load_entry_points=False, extra=[("importer", _Importer("pyarrow"))])
    result = _run(tmp_path, "import-it", host=host)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: this command needs the optional extra 'parquet' (pyarrow is not installed): "
        "pip install 'magcore[parquet]'\n"
    )


def test_any_other_import_error_is_a_bug_and_keeps_its_traceback(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "no_such_module_for_magcore", None)
    host = get_plugin_manager(
        load_entry_points=False, extra=[("importer", _Importer("no_such_module_for_magcore"))]
    )
    with pytest.raises(ModuleNotFoundError):
        _run(tmp_path, "import-it", host=host)


@pytest.mark.parametrize(
    ("module", "options", "extra"),
    [
        ("pyarrow", ("--no-plots",), "parquet"),
        ("pyarrow", ("--no-plots", "--stream"), "parquet"),
        ("matplotlib", ("--no-events",), "plots"),
    ],
)
def test_simulate_names_the_extra_before_it_runs_or_writes(
    tmp_path, monkeypatch, module, options, extra
):
    pytest.importorskip("numpy")
    monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.delitem(sys.modules, f"{module}.pyplot", raising=False)
    config = tmp_path / "sim.toml"
    config.write_text("employees = 20\nyears = 1\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _run(tmp_path, "simulate", str(config), "--out", str(out), *options)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the ")
    assert f"needs the optional extra '{extra}' ({module} is not installed)" in result.stderr
    assert f"pip install 'magcore[{extra}]'" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not out.exists()
