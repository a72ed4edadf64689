"""Real districts and their centroids, read from the ``cpca`` package's adcodes table.

``cpca`` ships ``resources/adcodes.csv`` (adcode, name, longitude, latitude) for provinces,
prefectures and counties. The file is read straight from site-packages, without importing
``cpca`` (which builds a matcher on import), and turned into a district table plus a prefecture
(city) table that the generator samples from.
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from chainscout.loaders.demo.catalog import FOCUS_CITIES

#: Rough bounding box of mainland China; every generated coordinate lies inside it.
LAT_RANGE = (18.0, 53.6)
LNG_RANGE = (73.5, 135.1)

_MUNICIPALITIES = ("11", "12", "31", "50")
_EXCLUDED_PROVINCES = ("71", "81", "82")  # Taiwan, Hong Kong, Macao: no mainland USCCs
_SUFFIXES = ("特别行政区", "自治区", "地区", "林区", "市", "盟", "省")


@dataclass(frozen=True)
class Geography:
    """County-level districts (区/县/县级市) and the prefectures (cities) that hold them."""

    district_code: npt.NDArray[np.str_]
    district_name: npt.NDArray[np.object_]
    district_lng: npt.NDArray[np.float64]
    district_lat: npt.NDArray[np.float64]
    district_city: npt.NDArray[np.int32]  # index into the city arrays
    city_code: npt.NDArray[np.str_]
    city_name: npt.NDArray[np.object_]
    city_short: npt.NDArray[np.object_]
    province_name: npt.NDArray[np.object_]  # per city
    city_is_municipality: npt.NDArray[np.bool_]

    def district_index(self, code: str) -> int:
        """Row of a district code; ``KeyError`` when the cpca table lacks it."""
        hits = np.flatnonzero(self.district_code == code)
        if hits.size == 0:
            raise KeyError(f"district {code} is not in the cpca table")
        return int(hits[0])

    def city_index(self, code: str) -> int:
        """Row of a prefecture code; ``KeyError`` when unknown."""
        hits = np.flatnonzero(self.city_code == code)
        if hits.size == 0:
            raise KeyError(f"city {code} is not in the cpca table")
        return int(hits[0])


def adcodes_path() -> Path:
    """Location of cpca's adcodes.csv in site-packages (without importing cpca)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package is not installed; it provides the district table")
    for location in spec.submodule_search_locations:
        path = Path(location) / "resources" / "adcodes.csv"
        if path.is_file():
            return path
    raise RuntimeError("cpca is installed but resources/adcodes.csv is missing")


def _short_city_name(name: str, ethnic: tuple[str, ...]) -> str:
    """上海市 -> 上海, 恩施土家族苗族自治州 -> 恩施: the form used in company names."""
    if name.endswith(("自治州", "自治县")):
        cut = min((i for e in ethnic if (i := name.find(e)) > 0), default=2)
        return name[:cut]
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _ethnic_names(path: Path) -> tuple[str, ...]:
    nations = path.parent / "56_nations.csv"
    if not nations.is_file():
        return ("族",)
    names = [line.strip() for line in nations.read_text(encoding="utf-8").splitlines()]
    return tuple(n for n in names if n)


@cache
def load_geography() -> Geography:
    """Build the district and city tables once per process."""
    path = adcodes_path()
    with path.open(encoding="utf-8") as fh:
        rows = [(r["adcode"][:6], r["name"], r["longitude"], r["latitude"])
                for r in csv.DictReader(fh)]
    names = {code: name for code, name, _, _ in rows}
    coords = {code: (float(lng), float(lat)) for code, _, lng, lat in rows if lng and lat}
    ethnic = _ethnic_names(path)

    def city_of(code: str) -> str:
        if code[:2] in _MUNICIPALITIES:
            return code[:2] + "0100"
        return code[:4] + "00"

    county = sorted(
        code for code in coords
        if code[4:] != "00" and names[code] != "市辖区" and code[:2] not in _EXCLUDED_PROVINCES
        and LAT_RANGE[0] <= coords[code][1] <= LAT_RANGE[1]
    )
    # Prefectures without districts (东莞, 中山, 嘉峪关, 儋州) register firms under their own code;
    # province-direct counties (仙桃, 济源...) have no prefecture and act as their own city.
    def has_prefecture(code: str) -> bool:
        parent = names.get(city_of(code), "")
        return bool(parent) and "直辖" not in parent

    with_children = {city_of(c) for c in county if has_prefecture(c)}
    childless = [
        code for code in coords
        if code[2:] != "0000" and code[4:] == "00" and code[:2] not in _MUNICIPALITIES
        and code[:2] not in _EXCLUDED_PROVINCES and code not in with_children
        and LAT_RANGE[0] <= coords[code][1] <= LAT_RANGE[1]
    ]
    own_city = set(childless) | {c for c in county if not has_prefecture(c)}
    districts = sorted(county + childless)
    district_to_city = {c: c if c in own_city else city_of(c) for c in districts}
    cities = sorted(set(district_to_city.values()))
    city_row = {c: i for i, c in enumerate(cities)}

    def city_display(code: str) -> str:
        if code[:2] in _MUNICIPALITIES:
            return names[code[:2] + "0000"]
        return names[code]

    city_names = [city_display(c) for c in cities]
    city_short = [
        FOCUS_CITIES[c][0] if c in FOCUS_CITIES else _short_city_name(n, ethnic)
        for c, n in zip(cities, city_names, strict=True)
    ]
    district_city = np.array([city_row[district_to_city[c]] for c in districts], dtype=np.int32)
    return Geography(
        district_code=np.array(districts, dtype="U6"),
        district_name=np.array([names[c] for c in districts], dtype=object),
        district_lng=np.array([coords[c][0] for c in districts], dtype=np.float64),
        district_lat=np.array([coords[c][1] for c in districts], dtype=np.float64),
        district_city=district_city,
        city_code=np.array(cities, dtype="U6"),
        city_name=np.array(city_names, dtype=object),
        city_short=np.array(city_short, dtype=object),
        province_name=np.array([names.get(c[:2] + "0000", "") for c in cities], dtype=object),
        city_is_municipality=np.array([c[:2] in _MUNICIPALITIES for c in cities], dtype=bool),
    )
