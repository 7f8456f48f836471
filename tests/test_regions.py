"""Region resolution from the gazetteer package."""
from ingest.normalise.regions import resolve, resolve_in_text


def test_county_level_city_resolves_to_prefecture_and_province():
    r = resolve("汨罗市信访局")
    assert (r.province, r.prefecture, r.county, r.code, r.level) == ("湖南省", "岳阳市", "汨罗市", "430681", "county")
    assert r.longitude and r.latitude


def test_district_created_in_2018_resolves():
    r = resolve("株洲市天元区信访局")
    assert (r.province, r.prefecture, r.county, r.code) == ("湖南省", "株洲市", "天元区", "430211")


def test_context_decides_between_same_named_districts():
    assert resolve("长安区信访局", "承担石家庄市长安区信访工作联席会议").prefecture == "石家庄市"
    assert resolve("长安区信访局", "西安市长安区").prefecture == "西安市"


def test_prefecture_in_the_name_narrows_the_county():
    assert resolve("曲靖市麒麟区信访局").code == "530302"


def test_chain_runs_province_first():
    names = [r.name for r in resolve("岳阳市云溪区信访局").chain()]
    assert names == ["湖南省", "岳阳市", "云溪区"]


def test_unknown_names_resolve_to_nothing():
    assert resolve("信访局") is None
    assert resolve_in_text("没有地名的文字") is None


def test_autonomous_units_by_their_everyday_names():
    # '红河州' is the prefecture, not 红河县 inside it (its short name '红河')
    for name, prefecture in [("红河州信访局", "红河哈尼族彝族自治州"), ("楚雄州信访局", "楚雄彝族自治州"),
                             ("湘西州信访局", "湘西土家族苗族自治州"), ("凉山州信访局", "凉山彝族自治州")]:
        r = resolve(name)
        assert (r.prefecture, r.county, r.level) == (prefecture, None, "prefecture")
    assert resolve("红河县信访局").county == "红河县"
    assert resolve("楚雄市信访局").county == "楚雄市"
    assert resolve("双江县信访局").county == "双江拉祜族佤族布朗族傣族自治县"
    assert resolve("博尔塔拉州信访局").prefecture == "博尔塔拉蒙古自治州"


def test_a_bare_short_name_gives_way_to_the_place_the_text_names():
    from ingest.model import Report
    from ingest.normalise.regions import head_named_in_full
    from ingest.pipeline import region_for

    assert head_named_in_full("红河州信访局") and head_named_in_full("汨罗市信访局")
    assert not head_named_in_full("南湖新区民政局")      # 南湖 is 嘉兴's 南湖区 to the gazetteer
    rep = Report(department="南湖新区民政局", region_hint="岳阳市南湖新区财政支出项目绩效评价自评报告")
    r = region_for(rep)
    assert (r.province, r.prefecture, r.county) == ("湖南省", "岳阳市", None)
    # with nothing else named, the short name's place stands
    assert region_for(Report(department="南湖新区民政局", region_hint="")).prefecture == "嘉兴市"
