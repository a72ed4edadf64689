"""The hand-made flagship group: a named, four-level IC group for demos and tests.

Random groups already have depth, but a demo needs one group whose story is known in advance: a
listed holding in 张江 with design, fab, packaging and equipment arms across five provinces, an
AI-chip sub-subsidiary, a four-level materials branch, and a cross-holding that closes an
ownership cycle (root -> fab -> materials -> root).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Member:
    """One company of the flagship group; ``parent`` indexes FLAGSHIP (-1 for the root)."""

    name: str
    parent: int
    pct: float
    segment: str
    district: str
    park: str | None
    size: int  # 0 micro .. 3 large
    established: str


FLAGSHIP_TRADE_NAME: Final = "申芯"

FLAGSHIP: Final[tuple[Member, ...]] = (
    Member("申芯集成电路控股集团股份有限公司", -1, 0, "ic.fab", "310115", "zhangjiang", 3,
           "2001-04-18"),
    Member("申芯微电子设计（上海）有限公司", 0, 100, "ic.design", "310115", "zhangjiang", 2,
           "2006-09-01"),
    Member("申芯晶圆制造（无锡）有限公司", 0, 75, "ic.fab", "320214", "wuxi_hitech", 3,
           "2008-03-12"),
    Member("申芯封装测试（苏州）有限公司", 0, 60, "ic.packaging_test", "320506", "sip", 2,
           "2010-07-20"),
    Member("申芯半导体装备（上海）有限公司", 0, 100, "ic.equipment", "310115", "lingang", 2,
           "2016-11-08"),
    Member("申芯智算芯片（北京）有限公司", 1, 80, "ai.compute_chips", "110108", "zgc_haidian", 1,
           "2019-05-27"),
    Member("申芯车规芯片（深圳）有限公司", 1, 70, "ic.design", "440305", "shenzhen_hitech", 1,
           "2020-08-14"),
    Member("申芯电子材料（无锡）有限公司", 2, 100, "ic.materials", "320214", None, 2,
           "2012-02-06"),
    Member("申芯先进封装（合肥）有限公司", 3, 51, "ic.packaging_test", "340104", None, 1,
           "2021-03-30"),
    Member("申芯算力科技（杭州）有限公司", 5, 65, "ai.infrastructure", "330110", None, 1,
           "2022-06-16"),
    Member("申芯特种气体（南京）有限公司", 7, 51, "ic.materials", "320111", "nanjing_jiangbei", 1,
           "2017-10-09"),
    Member("申芯靶材科技（南京）有限公司", 10, 100, "ic.materials", "320111", None, 0,
           "2023-01-12"),
)

#: (holder, held, pct): the materials arm holds a slice of the listed root, closing a cycle.
FLAGSHIP_CROSS_HOLDING: Final = (7, 0, 3.0)
