"""Region resolution from the gazetteer package."""
from ingest.normalise.regions import resolve, resolve_in_text


def test_county_level_city_resolves_to_prefecture_and_province():
    r = resolve("临湘市信访局")
    assert (r.province, r.prefecture, r.county, r.code, r.level) == ("湖南省", "岳阳市", "临湘市", "430682", "county")
    assert r.longitude and r.latitude


def test_district_created_in_2018_resolves():
    r = resolve("株洲市渌口区信访局")
    assert (r.province, r.prefecture, r.county, r.code) == ("湖南省", "株洲市", "渌口区", "430212")


def test_context_decides_between_same_named_districts():
    assert resolve("长安区信访局", "承担石家庄市长安区信访工作联席会议").prefecture == "石家庄市"
    assert resolve("长安区信访局", "西安市长安区").prefecture == "西安市"


def test_prefecture_in_the_name_narrows_the_county():
    assert resolve("曲靖市沾益区信访局").code == "530303"


def test_chain_runs_province_first():
    names = [r.name for r in resolve("岳阳市君山区信访局").chain()]
    assert names == ["湖南省", "岳阳市", "君山区"]


def test_unknown_names_resolve_to_nothing():
    assert resolve("信访局") is None
    assert resolve_in_text("没有地名的文字") is None
