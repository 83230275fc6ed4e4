"""Files in a root's folders that are left out, each reported once with what to do.

Two office habits put files beside the registers that the product must not read as registers:

* **Office copies** (「叫修登记簿 - 副本.xlsx」, 「叫修登记簿 (2).xlsx」, 「复件 叫修登记簿.xlsx」, 「… - Copy.xlsx」) of a
  workbook in the same folder (:func:`~.root.original_of`). Read as a second file of the register they would turn
  every row into a duplicate across files (COL006) and count every call twice in the summary, so they are not
  processed at all: 「疑似副本」, one line naming both files.
* **Spreadsheets in a format the product cannot read** (WPS's ``.et``, ``.ods``, ``.csv``, ``.xlsb``,
  ``.numbers``): listed with how to save them as ``.xlsx``, instead of being skipped in silence.

:func:`set_aside_files` lists both for a root; ``run`` prints them, ``--json`` carries them (``set_aside``), and
the summary can show them in 数据状态 (:meth:`SetAside.status_row` is the row it needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .root import Source, is_ignored, original_of, register_by_name, unit_folders
from .settings import Settings

# Spreadsheet formats staff may save in, which python-calamine (or the write-back) cannot take: (zh, en) name
# and the program that can save the file as .xlsx.
UNSUPPORTED: dict[str, tuple[str, str, str, str]] = {
    ".et": ("WPS 表格文件", "a WPS spreadsheet", "WPS", "WPS"),
    ".ett": ("WPS 表格模板", "a WPS spreadsheet template", "WPS", "WPS"),
    ".ods": ("OpenDocument 表格", "an OpenDocument spreadsheet", "LibreOffice 或 WPS", "LibreOffice or WPS"),
    ".csv": ("CSV 文本文件", "a CSV text file", "Excel 或 WPS", "Excel or WPS"),
    ".xlsb": ("Excel 二进制工作簿", "an Excel binary workbook", "Excel", "Excel"),
    ".numbers": ("Apple Numbers 表格", "an Apple Numbers spreadsheet", "Numbers（导出为 Excel）", "Numbers (Export To Excel)"),
}


@dataclass(frozen=True)
class SetAside(Source):
    """One file left out of processing, and why (``name``: relative to the root, as workbooks are named)."""

    kind: str = "copy"  # "copy" (疑似副本) or "unsupported"
    original: Path | None = None  # for a copy: the workbook it copies

    @property
    def kind_zh(self) -> str:
        return "疑似副本" if self.kind == "copy" else "格式不支持"

    def message(self, lang: str = "zh") -> str:
        """One line naming the file (and for a copy its original) and what to do."""
        if self.kind == "copy":
            original = self.original.name if self.original else ""
            if lang == "en":
                return (
                    f"suspected copy: {self.name} looks like a copy of {original} and was left out (not checked, "
                    f"not written, not in the summary or in the uniqueness check across files); delete it or move "
                    f"it out of the folder if it is a spare copy, or rename it (e.g. {self._rename()}) if it is a "
                    f"register of its own"
                )
            return (
                f"疑似副本：{self.name} 像是 {original} 的副本，未处理（不校验、不写回、不计入汇总，也不参与跨文件的"
                f"重复检查）；如是多余的副本请删除或移出此文件夹，如确是另一本登记簿请改名（如 {self._rename()}）"
            )
        what_zh, what_en, program_zh, program_en = UNSUPPORTED[self.path.suffix.lower()]
        xlsx = self.path.with_suffix(".xlsx")
        if xlsx.is_file():
            if lang == "en":
                return (f"unsupported format: {self.name} is {what_en}; {xlsx.name} beside it is the one processed. "
                        f"Delete or move {self.path.name} if it is no longer used")
            return f"格式不支持：{self.name} 是 {what_zh}，已处理的是旁边的 {xlsx.name}；如 {self.path.name} 不再使用请删除或移走"
        if lang == "en":
            return (f"unsupported format: {self.name} is {what_en}, which cannot be read (only .xlsx, .xlsm and .xls); "
                    f"open it in {program_en} and save it as an Excel workbook (.xlsx) in the same folder")
        return (f"格式不支持：{self.name} 是 {what_zh}，无法读取（只支持 .xlsx、.xlsm、.xls）；请用 {program_zh} 打开，"
                f"「另存为」Excel 工作簿（*.xlsx），存在同一文件夹")

    def _rename(self) -> str:
        stem = self.original.stem if self.original else self.path.stem
        return f"{stem}-2{self.path.suffix}"

    def to_json(self, lang: str = "zh") -> dict[str, object]:
        return {
            "path": str(self.path),
            "branch": self.branch,
            "kind": self.kind,
            "original": str(self.original) if self.original else None,
            "message": self.message(lang),
        }

    def status_row(self) -> dict[str, str]:
        """The row 数据状态 needs to list the file, by its column names (分公司, 工作簿, 登记簿, 结果写回, 说明)."""
        register = register_by_name(self.original or self.path)
        return {"分公司": self.branch, "工作簿": self.name, "登记簿": register.name if register else "",
                "结果写回": f"未处理（{self.kind_zh}）", "说明": self.message("zh")}


def classify(path: Path, root: Path, branch: str) -> SetAside | None:
    """The set-aside record of one file, or None when it is a register candidate or not a spreadsheet."""
    name = path.name
    if name.startswith(("~$", ".~lock.", ".")) or name.endswith("#"):
        return None  # lock and hidden files of any program
    if path.suffix.lower() in UNSUPPORTED:
        return SetAside(path=path, root=root, branch=branch, kind="unsupported")
    original = original_of(path)
    if original is not None:
        return SetAside(path=path, root=root, branch=branch, kind="copy", original=original)
    return None


def set_aside_files(root: Path, settings: Settings | None = None) -> list[SetAside]:
    """Every suspected copy and unsupported spreadsheet in the head-office and branch folders of ``root``."""
    found: list[SetAside] = []
    for folder in unit_folders(root):
        try:
            paths = sorted(p for p in folder.iterdir() if p.is_file())
        except OSError:
            continue  # a folder that vanished or cannot be listed is reported by the run itself
        for path in paths:
            record = classify(path, root, folder.name)
            # A copy of a file that is no register anyway (a manager's 「汇总 - 副本.xlsx」) is not news.
            if record is not None and not (record.original and is_ignored(record.original, settings, root)):
                found.append(record)
    return found
