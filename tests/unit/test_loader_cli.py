"""``chainscout load``: a summary on success, one clear line (no traceback) for a bad file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chainscout.cli import app

VENDOR = Path(__file__).resolve().parents[1] / "data" / "vendor"
MAPPING = Path(__file__).resolve().parents[2] / "docs" / "examples" / "vendor-mapping.yaml"


def test_dry_run_prints_the_summary(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    result = CliRunner().invoke(app, ["load", str(VENDOR), "--mapping", str(MAPPING),
                                      "--dry-run", "--no-progress", "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "rows read" in result.output and "企业基本信息_20240630.csv" in result.output
    assert rejects.exists()


def test_a_malformed_file_is_one_line_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "enterprises.csv").write_bytes("uscc,name\n1,企业\n".encode("gb18030"))
    result = CliRunner().invoke(app, ["load", str(tmp_path), "--dry-run", "--no-progress",
                                      "--rejects", str(tmp_path / "r.csv")])
    assert result.exit_code == 1
    assert "enterprises.csv: not valid utf-8 text" in result.output
    assert "Traceback" not in result.output
