"""Hand-curated constants behind the demo data: cities, parks, names and rates.

Kept apart from the generator so the numbers that shape the data set sit in one place and
``docs/demo-data.md`` can cite them. District codes follow the ``cpca`` package's table (a ~2016
vintage of the administrative divisions), so a park whose current district is newer (坪山区,
functional zones such as 苏州工业园区) carries the containing district of that vintage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: Fixed reference date: events end here and loan maturities count from here, so output does not
#: depend on the day the generator runs.
AS_OF: Final = "2025-06-30"

#: The fictional bank whose branches and customers the data set holds.
BANK_NAME: Final = "链通银行"

# --------------------------------------------------------------------------------------------
# Cities: prefecture code -> (short name, base weight). Together they get FOCUS_SHARE of the
# enterprises; every other prefecture shares the rest in proportion to its district count.
# --------------------------------------------------------------------------------------------

FOCUS_SHARE: Final = 0.72

FOCUS_CITIES: Final[dict[str, tuple[str, float]]] = {
    "310100": ("上海", 10.0),
    "440300": ("深圳", 9.0),
    "110100": ("北京", 9.0),
    "320500": ("苏州", 8.0),
    "330100": ("杭州", 6.0),
    "440100": ("广州", 6.0),
    "320100": ("南京", 5.0),
    "510100": ("成都", 5.0),
    "420100": ("武汉", 5.0),
    "340100": ("合肥", 4.0),
    "610100": ("西安", 4.0),
    "320200": ("无锡", 4.0),
    "330200": ("宁波", 3.0),
    "320400": ("常州", 3.0),
    "120100": ("天津", 3.0),
    "500100": ("重庆", 3.0),
    "430100": ("长沙", 3.0),
    "441900": ("东莞", 3.0),
    "370200": ("青岛", 2.5),
    "440600": ("佛山", 2.5),
    "410100": ("郑州", 2.5),
    "370100": ("济南", 2.0),
    "350200": ("厦门", 2.0),
    "350100": ("福州", 1.5),
    "330400": ("嘉兴", 1.5),
    "320600": ("南通", 1.5),
    "440400": ("珠海", 1.2),
    "210100": ("沈阳", 1.0),
    "210200": ("大连", 1.0),
    "530100": ("昆明", 1.0),
    "350900": ("宁德", 0.8),
    "430200": ("株洲", 0.6),
    "150200": ("包头", 0.4),
    "511100": ("乐山", 0.3),
}

#: Chain -> city short name -> multiplier on the city's weight for that chain's enterprises.
CHAIN_CITY_AFFINITY: Final[dict[str, dict[str, float]]] = {
    "ic": {"上海": 3, "无锡": 3, "合肥": 2.5, "深圳": 2, "北京": 2, "南京": 2, "苏州": 2,
           "西安": 2, "武汉": 2, "成都": 1.5, "厦门": 1.5},
    "ai": {"北京": 3, "上海": 2.5, "深圳": 2.5, "杭州": 2.5, "合肥": 2, "广州": 1.5, "成都": 1.5},
    "biomed": {"苏州": 3, "上海": 3, "北京": 2.5, "杭州": 1.5, "成都": 1.5, "武汉": 1.5,
               "广州": 1.5, "南京": 1.5, "天津": 1.5},
    "nev": {"合肥": 3, "深圳": 2.5, "上海": 2, "常州": 3, "宁德": 8, "西安": 2, "重庆": 2.5,
            "广州": 2, "武汉": 1.5},
    "newmat": {"宁波": 3, "苏州": 1.5, "包头": 6, "常州": 1.5, "天津": 1.5, "济南": 1.5,
               "青岛": 1.5},
    "hieq": {"深圳": 2, "苏州": 2, "长沙": 3, "青岛": 2, "沈阳": 3, "西安": 2, "株洲": 3,
             "武汉": 1.5},
    "pv": {"无锡": 3, "常州": 3, "苏州": 2, "西安": 2, "合肥": 2, "乐山": 8, "嘉兴": 2},
    "low_alt": {"深圳": 4, "广州": 2, "珠海": 3, "成都": 2, "西安": 2, "株洲": 2},
}

#: Chain weights among chain enterprises (unknown chains in a user's chains.yaml get 1.0).
CHAIN_WEIGHTS: Final[dict[str, float]] = {
    "ic": 1.2, "ai": 1.4, "biomed": 1.2, "nev": 1.2, "newmat": 1.0, "hieq": 1.3, "pv": 0.7,
    "low_alt": 0.4,
}

#: Share of enterprises that belong to some chain; the rest are general businesses.
CHAIN_SHARE: Final = 0.45

#: City short names of venture investors (investment firms cluster in financial centres).
VC_CITIES: Final[dict[str, float]] = {
    "北京": 5, "上海": 5, "深圳": 5, "杭州": 2, "苏州": 2, "广州": 1, "合肥": 1, "南京": 1,
    "成都": 0.5, "武汉": 0.5,
}

# --------------------------------------------------------------------------------------------
# Parks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParkSpec:
    """A real park: where it is, how big, and the chains it is known for (主导产业)."""

    park_id: str
    name: str
    level: str
    district_code: str
    lng: float
    lat: float
    area_km2: float
    leading: tuple[str, ...]


#: Real parks, most prominent first: small data sets take a prefix of this list.
PARKS: Final[tuple[ParkSpec, ...]] = (
    ParkSpec("zhangjiang", "张江高科技园区", "national", "310115", 121.598, 31.203, 95.0,
             ("ic", "biomed", "ai")),
    ParkSpec("sip", "苏州工业园区", "national", "320506", 120.716, 31.318, 278.0,
             ("biomed", "ic", "ai")),
    ParkSpec("hefei_hitech", "合肥高新技术产业开发区", "national", "340104", 117.130, 31.830,
             128.0, ("ic", "ai")),
    ParkSpec("optics_valley", "武汉东湖新技术开发区（中国光谷）", "national", "420111", 114.410,
             30.480, 518.0, ("ic", "ai", "biomed")),
    ParkSpec("shenzhen_hitech", "深圳高新技术产业园区", "national", "440305", 113.948, 22.540,
             11.5, ("ic", "ai", "hieq")),
    ParkSpec("zgc_haidian", "中关村科技园区海淀园", "national", "110108", 116.310, 39.985, 174.0,
             ("ai", "ic")),
    ParkSpec("hangzhou_hitech", "杭州高新技术产业开发区（滨江）", "national", "330108", 120.210,
             30.195, 73.0, ("ai", "ic")),
    ParkSpec("wuxi_hitech", "无锡国家高新技术产业开发区", "national", "320214", 120.400, 31.500,
             220.0, ("ic", "pv", "hieq")),
    ParkSpec("hefei_etdz", "合肥经济技术开发区", "national", "340123", 117.200, 31.760, 258.0,
             ("nev", "hieq")),
    ParkSpec("changzhou_hitech", "常州国家高新技术产业开发区", "national", "320411", 119.970,
             31.870, 439.0, ("pv", "nev", "newmat")),
    ParkSpec("bda", "北京经济技术开发区（亦庄）", "national", "110115", 116.510, 39.790, 225.0,
             ("biomed", "ic", "nev", "hieq")),
    ParkSpec("lingang", "上海临港新片区", "national", "310115", 121.930, 30.900, 386.0,
             ("ic", "nev", "hieq", "ai")),
    ParkSpec("chengdu_hitech", "成都高新技术产业开发区", "national", "510107", 104.060, 30.580,
             130.0, ("ic", "biomed", "ai")),
    ParkSpec("xian_hitech", "西安高新技术产业开发区", "national", "610113", 108.880, 34.190,
             307.0, ("ic", "hieq", "ai")),
    ParkSpec("xian_aerospace", "西安国家民用航天产业基地", "national", "610116", 108.990, 34.150,
             86.0, ("pv", "hieq", "low_alt")),
    ParkSpec("guangzhou_hitech", "广州高新技术产业开发区（黄埔）", "national", "440112", 113.460,
             23.170, 37.3, ("ic", "biomed", "nev")),
    ParkSpec("ningde_dongqiao", "宁德东侨经济技术开发区", "national", "350902", 119.550, 26.660,
             60.0, ("nev",)),
    ParkSpec("shenzhen_pingshan", "深圳坪山高新技术产业园区", "provincial", "440307", 114.350,
             22.700, 168.0, ("nev", "biomed")),
    ParkSpec("nanjing_jiangbei", "南京江北新区产业技术研创园", "provincial", "320111", 118.700,
             32.150, 20.0, ("ic", "biomed")),
    ParkSpec("hangzhou_future", "杭州未来科技城", "provincial", "330110", 119.990, 30.290, 123.0,
             ("ai", "biomed")),
    ParkSpec("hefei_xinzhan", "合肥新站高新技术产业开发区", "national", "340102", 117.360, 31.900,
             143.0, ("ic", "newmat")),
    ParkSpec("wuhan_etdz", "武汉经济技术开发区（中国车谷）", "national", "420114", 114.160,
             30.500, 489.0, ("nev", "hieq")),
    ParkSpec("caohejing", "上海漕河泾新兴技术开发区", "national", "310104", 121.400, 31.170,
             14.3, ("ai", "ic")),
    ParkSpec("jiading_auto", "上海国际汽车城", "municipal", "310114", 121.180, 31.290, 68.0,
             ("nev",)),
    ParkSpec("suzhou_snd", "苏州高新技术产业开发区", "national", "320505", 120.500, 31.300, 223.0,
             ("hieq", "biomed", "ic")),
    ParkSpec("kunshan_etdz", "昆山经济技术开发区", "national", "320583", 121.000, 31.370, 115.0,
             ("ic", "hieq")),
    ParkSpec("zhuhai_aviation", "珠海航空产业园", "provincial", "440404", 113.370, 22.010,
             100.0, ("low_alt", "hieq")),
    ParkSpec("nanjing_jiangning", "南京江宁经济技术开发区", "national", "320115", 118.830,
             31.900, 190.0, ("nev", "ai", "hieq")),
    ParkSpec("ningbo_etdz", "宁波经济技术开发区", "national", "330206", 121.850, 29.900, 215.0,
             ("newmat", "nev")),
    ParkSpec("chongqing_liangjiang", "重庆两江新区", "national", "500112", 106.620, 29.720,
             1200.0, ("nev", "ic")),
    ParkSpec("teda", "天津经济技术开发区", "national", "120116", 117.710, 39.050, 400.0,
             ("biomed", "nev", "newmat")),
    ParkSpec("changsha_etdz", "长沙经济技术开发区", "national", "430121", 113.130, 28.240, 70.0,
             ("hieq", "nev")),
    ParkSpec("zhuzhou_hitech", "株洲高新技术产业开发区（中国动力谷）", "national", "430211",
             113.080, 27.830, 135.0, ("hieq", "low_alt")),
    ParkSpec("xian_yanliang", "西安阎良国家航空高技术产业基地", "national", "610114", 109.200,
             34.650, 44.0, ("low_alt", "hieq")),
    ParkSpec("dongguan_songshanhu", "松山湖高新技术产业开发区", "national", "441900", 113.890,
             22.930, 103.0, ("ai", "ic", "hieq")),
    ParkSpec("qingdao_westcoast", "青岛西海岸新区", "national", "370211", 120.170, 35.960,
             274.0, ("hieq", "newmat")),
    ParkSpec("baotou_rare_earth", "包头稀土高新技术产业开发区", "national", "150207", 109.850,
             40.630, 88.0, ("newmat",)),
    ParkSpec("leshan_wutongqiao", "乐山五通桥经济开发区", "provincial", "511112", 103.820, 29.400,
             30.0, ("pv", "newmat")),
    ParkSpec("zhengzhou_airport", "郑州航空港经济综合实验区", "national", "410184", 113.840,
             34.530, 415.0, ("ai", "hieq", "biomed")),
    ParkSpec("jinan_hitech", "济南高新技术产业开发区", "national", "370112", 117.130, 36.680,
             318.0, ("ai", "biomed")),
    ParkSpec("xiamen_torch", "厦门火炬高技术产业开发区", "national", "350206", 118.180, 24.490,
             23.0, ("ic", "newmat", "nev")),
    ParkSpec("jiaxing_xiuzhou", "嘉兴秀洲高新技术产业开发区", "provincial", "330411", 120.710,
             30.770, 40.0, ("pv", "newmat")),
    ParkSpec("shenyang_hunnan", "沈阳浑南高新技术产业开发区", "national", "210112", 123.460,
             41.710, 180.0, ("hieq", "ai", "low_alt")),
)

#: The demo's deliberate chain gap: this park leads in ``ic`` but has no tenant in this segment.
GAP_PARK: Final = ("hefei_hitech", "ic.packaging_test")

#: Synthetic park name suffixes by level, for data sets larger than the real list supports.
SYNTHETIC_PARK_SUFFIXES: Final = ("产业园", "科技园", "产业基地", "创新港", "产业创新园")

# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

#: Most common surnames with their approximate share of the population (%).
SURNAMES: Final[dict[str, float]] = {
    "王": 7.1, "李": 7.0, "张": 6.7, "刘": 5.4, "陈": 4.5, "杨": 3.1, "黄": 2.2, "赵": 2.0,
    "吴": 2.0, "周": 1.9, "徐": 1.6, "孙": 1.5, "马": 1.4, "朱": 1.3, "胡": 1.3, "郭": 1.1,
    "何": 1.1, "林": 1.0, "高": 1.0, "罗": 0.9, "郑": 0.9, "梁": 0.8, "谢": 0.7, "宋": 0.6,
    "唐": 0.6, "许": 0.6, "韩": 0.6, "冯": 0.5, "邓": 0.5, "曹": 0.5, "彭": 0.5, "曾": 0.5,
    "肖": 0.5, "田": 0.4, "董": 0.4, "袁": 0.4, "潘": 0.4, "于": 0.4, "蒋": 0.4, "蔡": 0.4,
    "余": 0.4, "杜": 0.4, "叶": 0.4, "程": 0.3, "苏": 0.3, "魏": 0.3, "吕": 0.3, "丁": 0.3,
    "任": 0.3, "沈": 0.3, "姚": 0.3, "卢": 0.3, "姜": 0.3, "崔": 0.3, "钟": 0.3, "谭": 0.3,
    "陆": 0.2, "汪": 0.2, "范": 0.2, "金": 0.2, "石": 0.2, "廖": 0.2, "贾": 0.2, "夏": 0.2,
    "韦": 0.2, "付": 0.2, "方": 0.2, "白": 0.2, "邹": 0.2, "孟": 0.2, "熊": 0.2, "秦": 0.2,
    "邱": 0.2, "江": 0.2, "尹": 0.2, "薛": 0.2, "闫": 0.2, "段": 0.2, "雷": 0.1, "侯": 0.1,
    "龙": 0.1, "史": 0.1, "陶": 0.1, "黎": 0.1, "贺": 0.1, "顾": 0.1, "毛": 0.1, "郝": 0.1,
    "龚": 0.1, "邵": 0.1, "万": 0.1, "钱": 0.1, "严": 0.1, "覃": 0.1, "武": 0.1, "戴": 0.1,
    "莫": 0.1, "孔": 0.1, "向": 0.1, "汤": 0.1, "欧阳": 0.03, "上官": 0.01, "司马": 0.01,
}

GIVEN_NAME_CHARS: Final = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞辉建国文斌波宇浩凯健俊帆帅旭宁龙"
    "林欢阳晨瑞鑫博昊然子轩梓涵思怡雨欣佳琪嘉诗婷晓燕颖慧琳倩雪梅兰海峰亮成新志永春云东立德忠祥"
    "松江荣庆宏毅晶卫民学光金生福贵玲丹蕾薇露洁莉琦瑶璐晗睿哲彬振翔楠泽航铭宸逸昕悦"
)

#: Characters for trade names (字号); two (rarely three) distinct ones make a name.
TRADE_NAME_CHARS: Final = (
    "华中新科创联信达泰恒瑞宏盛博通海天正德源鑫昌隆兴汇佳明金宝安康远光辉捷凯诚利晶睿智微芯锐腾航"
    "驰领卓越精英思维永升合力和众益嘉鼎峰启星辰云宇宸奥特迈拓普晟昊翔晨晖欣俊亿万方圆长江禾丰裕祥"
    "福弘毅聚融致钧澜泓铭同元立维尚凌麦迪赛"
)

#: Non-CN nationalities of persons and their share of persons (the rest are CN).
NATIONALITIES: Final[dict[str, float]] = {
    "HK": 0.006, "TW": 0.004, "SG": 0.003, "US": 0.004, "CA": 0.001, "AU": 0.001, "JP": 0.001,
}

#: Chain -> name words that follow a segment keyword (科技/材料/装备...).
CHAIN_NAME_SUFFIXES: Final[dict[str, tuple[str, ...]]] = {
    "ic": ("科技", "微电子", "半导体", "电子", "集成电路"),
    "ai": ("智能科技", "信息技术", "科技", "数据科技", "智能"),
    "biomed": ("生物科技", "医药", "生物医药", "医疗科技", "制药"),
    "nev": ("新能源科技", "汽车科技", "动力科技", "能源科技", "新能源"),
    "newmat": ("新材料", "材料科技", "新材料科技", "材料"),
    "hieq": ("智能装备", "装备", "机械", "精密机械", "自动化"),
    "pv": ("光伏科技", "新能源", "光电科技", "能源科技"),
    "low_alt": ("航空科技", "无人机科技", "航空", "智能科技"),
}
DEFAULT_NAME_SUFFIXES: Final = ("科技", "技术", "实业")

#: Words a group's holding company puts before 控股集团 / 集团, by chain.
CHAIN_GROUP_WORDS: Final[dict[str, str]] = {
    "ic": "半导体", "ai": "智能", "biomed": "医药", "nev": "新能源", "newmat": "新材料",
    "hieq": "装备", "pv": "光伏", "low_alt": "航空",
}

# --------------------------------------------------------------------------------------------
# General (non-chain) businesses: GB/T division -> (weight %, name words). Weights approximate
# the division mix of China's registered enterprises; classes within a division are uniform,
# excluding every class a chain segment uses so general firms never map into a chain.
# --------------------------------------------------------------------------------------------

GENERAL_DIVISIONS: Final[dict[str, tuple[float, tuple[str, ...]]]] = {
    "01": (1.5, ("农业发展", "农业科技", "种植")), "02": (0.4, ("林业", "苗木")),
    "03": (1.0, ("畜牧", "养殖")), "04": (0.4, ("水产", "渔业")),
    "05": (0.7, ("农业服务", "农机服务")), "06": (0.2, ("煤业", "矿业")),
    "08": (0.2, ("矿业",)), "09": (0.2, ("矿业",)), "10": (0.3, ("石材", "矿业")),
    "13": (1.0, ("食品", "粮油")), "14": (0.8, ("食品",)), "15": (0.7, ("饮品", "茶业", "酒业")),
    "17": (0.8, ("纺织",)), "18": (0.8, ("服饰", "服装")), "19": (0.4, ("鞋业", "皮具")),
    "20": (0.4, ("木业",)), "21": (0.5, ("家具",)), "22": (0.4, ("纸业",)),
    "23": (0.5, ("印务", "包装印刷")), "24": (0.4, ("文体用品", "工艺品")),
    "26": (1.0, ("化工",)), "27": (0.3, ("药业",)), "29": (0.8, ("塑业", "橡塑制品")),
    "30": (0.8, ("建材",)), "31": (0.3, ("钢铁",)), "33": (1.2, ("金属制品", "五金")),
    "34": (1.5, ("机械", "机电设备")), "35": (1.2, ("设备", "机械设备")),
    "36": (0.5, ("汽车配件",)), "38": (1.0, ("电气", "电器")), "39": (0.8, ("电子",)),
    "40": (0.4, ("仪器仪表",)), "41": (0.3, ("制品",)), "42": (0.3, ("再生资源", "环保科技")),
    "43": (0.3, ("设备维修",)), "44": (0.5, ("电力", "热力")), "45": (0.2, ("燃气",)),
    "46": (0.2, ("水务",)), "47": (2.0, ("建设", "建筑")), "48": (2.5, ("建设工程", "路桥工程")),
    "49": (2.0, ("安装工程", "机电工程")), "50": (3.0, ("装饰工程", "建筑装饰")),
    "51": (14.0, ("商贸", "贸易", "供应链管理", "进出口")), "52": (8.0, ("商业", "商贸", "百货")),
    "54": (2.0, ("物流", "运输")), "55": (0.2, ("航运",)), "58": (1.5, ("国际货运代理", "物流")),
    "59": (1.0, ("仓储", "物流")), "60": (0.3, ("快递",)), "61": (0.7, ("酒店管理",)),
    "62": (2.0, ("餐饮管理", "餐饮")), "63": (0.3, ("通信技术",)),
    "64": (3.0, ("网络科技", "互联网科技")), "65": (6.0, ("信息技术", "软件", "网络技术")),
    "67": (0.5, ("投资管理",)), "69": (0.5, ("融资租赁", "商业保理")),
    "70": (4.0, ("置业", "房地产开发", "物业管理")), "71": (1.0, ("租赁",)),
    "72": (10.0, ("企业管理咨询", "商务咨询", "投资咨询", "人力资源")),
    "73": (1.5, ("技术研究院", "科技研究")), "74": (3.0, ("检测技术", "工程设计", "技术服务")),
    "75": (6.0, ("科技", "科技发展", "技术开发")), "77": (0.7, ("环境科技", "环保工程")),
    "78": (0.3, ("市政工程", "园林绿化")), "80": (1.5, ("家政服务", "美容")),
    "81": (0.5, ("汽车维修",)), "82": (0.5, ("清洁服务",)), "83": (0.3, ("教育科技", "培训")),
    "84": (0.3, ("医疗管理", "健康管理")), "86": (0.4, ("文化传播",)),
    "87": (0.6, ("影视传媒", "文化传媒")), "88": (0.5, ("文化艺术",)), "89": (0.5, ("体育文化",)),
    "90": (0.3, ("娱乐",)),
}

#: Investment firms: GB/T classes and name words (创业投资 / 股权投资 / 资本管理).
VC_CLASSES: Final = ("6731", "6732", "7212", "6760")
VC_NAME_WORDS: Final = ("创业投资", "股权投资", "资本管理", "投资管理", "产业投资基金")

ROADS: Final = (
    "科技路", "创新大道", "高新大道", "学府路", "建设路", "人民路", "工业园路", "星湖街", "金科路",
    "软件园路", "长江路", "黄河路", "东方大道", "中山路", "解放路", "发展大道", "科创路", "智慧大道",
    "产业大道", "未来路", "光明路", "新华路", "和平路", "文化路", "滨江大道", "湖滨路", "兴业路",
    "创业路", "腾飞大道", "开元大道",
)

FINANCING_ROUNDS: Final = ("天使轮", "Pre-A轮", "A轮", "A+轮", "B轮", "C轮", "D轮", "Pre-IPO",
                           "战略融资")
#: Median amount (CNY 10k) per round, in FINANCING_ROUNDS order; log-normal sigma 0.6.
ROUND_MEDIAN_AMOUNT: Final = (300.0, 1000.0, 3000.0, 5000.0, 10000.0, 25000.0, 50000.0,
                              40000.0, 20000.0)

# --------------------------------------------------------------------------------------------
# Bank products on customer records (product-signal codes of the event catalogue) and the
# probability that a customer of each size class holds them (micro, small, medium, large).
# --------------------------------------------------------------------------------------------

CUSTOMER_PRODUCTS: Final[dict[str, tuple[float, float, float, float]]] = {
    "settlement": (1.0, 1.0, 1.0, 1.0),
    "deposits": (0.8, 0.9, 0.95, 1.0),
    "credit": (0.25, 0.45, 0.65, 0.8),
    "bills": (0.05, 0.2, 0.45, 0.6),
    "payroll": (0.1, 0.3, 0.5, 0.6),
    "cash_management": (0.0, 0.05, 0.25, 0.6),
    "trade_finance": (0.02, 0.08, 0.2, 0.35),
    "fx": (0.02, 0.08, 0.2, 0.4),
    "supply_chain_finance": (0.02, 0.08, 0.15, 0.25),
    "project_loan": (0.0, 0.03, 0.15, 0.3),
    "guarantee": (0.02, 0.08, 0.2, 0.3),
    "bonds_underwriting": (0.0, 0.0, 0.03, 0.2),
    "wealth": (0.05, 0.08, 0.12, 0.15),
}

#: Loan-like products whose holders get a loan_maturity.
LOAN_PRODUCTS: Final = ("credit", "project_loan", "bills")

# --------------------------------------------------------------------------------------------
# Event rates: events per subject enterprise per year =
#   CATEGORY_RATE[category] * TIER_FACTOR[value_tier] * TYPE_RATE_FACTOR.get(code, 1)
# Internal events only concern existing customers; their rate is per customer.
# --------------------------------------------------------------------------------------------

CATEGORY_RATE: Final[dict[str, float]] = {
    "expansion": 0.05, "financing": 0.04, "capital_market": 0.02, "equity_change": 0.05,
    "governance": 0.08, "qualification": 0.04, "innovation": 0.12, "procurement": 0.06,
    "policy_support": 0.05, "trade": 0.04, "maturity": 0.04, "risk": 0.04, "internal": 0.5,
}
TIER_FACTOR: Final[dict[int, float]] = {1: 3.0, 2: 2.0, 3: 1.0, 4: 0.5, 5: 0.25}
TYPE_RATE_FACTOR: Final[dict[str, float]] = {
    "patent_granted": 4.0, "software_copyright": 3.0, "shareholder_change": 3.0,
    "executive_change": 2.0, "business_scope_change": 3.0, "bid_participation": 3.0,
    "government_subsidy": 2.0, "administrative_penalty": 2.0, "major_litigation": 1.5,
    "abnormal_operation": 2.0, "new_branch": 2.0, "recruitment_surge": 1.5,
    "registered_capital_increase": 2.0, "large_txn_frequency_up": 1.5,
    "loan_nearing_maturity": 2.0, "ipo_application": 0.2, "ipo_listing": 0.1,
    "listing_tutoring_filing": 0.3, "spin_off_listing": 0.1, "bankruptcy_reorganization": 0.2,
    "single_champion": 0.2, "chain_leader_designation": 0.1, "ppp_concession": 0.2,
    "mining_right_acquired": 0.3, "regional_headquarters": 0.3, "dishonest_debtor": 0.6,
}

#: Feed names by event category (the Event.source property).
CATEGORY_SOURCE: Final[dict[str, str]] = {
    "expansion": "registry_and_projects", "financing": "financing_db",
    "capital_market": "exchange_announcements", "equity_change": "registry",
    "governance": "registry", "qualification": "gov_lists", "innovation": "cnipa",
    "procurement": "bidding", "policy_support": "gov_notices", "trade": "customs",
    "maturity": "credit_market", "risk": "courts_and_regulators", "internal": "core_banking",
}

#: Events with a counterparty enterprise: code -> role on the INVOLVES relationship.
COUNTERPARTY_ROLES: Final[dict[str, str]] = {
    "outbound_investment": "investee", "new_subsidiary": "investee",
    "merger_acquisition": "investee", "equity_financing_round": "counterparty",
    "strategic_investor_entry": "counterparty", "government_fund_investment": "counterparty",
    "government_bid_won": "counterparty", "soe_procurement_won": "counterparty",
    "large_contract": "counterparty", "strategic_cooperation": "counterparty",
    "supplier_qualification_core": "counterparty", "chain_core_counterparty": "counterparty",
    "bill_received_large": "counterparty",
}

#: Log-normal amount (median CNY 10k, sigma) for events where an amount means something.
EVENT_AMOUNTS: Final[dict[str, tuple[float, float]]] = {
    "planned_project": (30000, 1.0), "project_filing_approval": (20000, 1.0),
    "land_acquisition": (8000, 0.9), "capacity_expansion": (15000, 1.0),
    "registered_capital_increase": (2000, 1.1), "outbound_investment": (3000, 1.1),
    "overseas_investment_filing": (5000, 1.0), "large_contract": (5000, 1.0),
    "equity_financing_round": (5000, 1.1), "strategic_investor_entry": (10000, 1.0),
    "government_fund_investment": (5000, 0.9), "bank_credit_line_announced": (20000, 1.0),
    "finance_lease_registration": (2000, 0.9), "ip_pledge": (1000, 0.9),
    "equity_pledge": (5000, 1.0), "idle_proceeds_wealth": (10000, 0.9),
    "ipo_application": (80000, 0.7), "ipo_listing": (100000, 0.7),
    "private_placement": (50000, 0.8), "bond_issuance_plan": (100000, 0.8),
    "bond_issued": (80000, 0.8), "share_buyback": (10000, 1.0),
    "merger_acquisition": (30000, 1.2), "major_asset_disposal": (10000, 1.0),
    "government_bid_won": (800, 1.2), "soe_procurement_won": (1500, 1.1),
    "bid_participation": (500, 1.2), "ppp_concession": (100000, 0.8),
    "major_project_listing": (50000, 1.0), "government_subsidy": (100, 1.0),
    "export_growth": (3000, 1.0), "financing_maturity": (10000, 1.0),
    "guarantee_maturity": (2000, 1.0), "bond_maturity_put": (50000, 0.8),
    "court_enforcement": (300, 1.3), "major_litigation": (1000, 1.2),
    "administrative_penalty": (20, 1.2), "tax_arrears": (100, 1.2),
    "commercial_bill_overdue": (500, 1.0), "large_inflow": (3000, 1.0),
    "deposit_outflow": (2000, 1.0), "loan_nearing_maturity": (1000, 1.0),
    "other_bank_repayment": (1500, 1.0), "bill_received_large": (800, 1.0),
    "fx_receipts_rising": (500, 1.0),
}
