"""The demo province: real division codes of Shaanxi (陕西省), invented people."""

PROVINCE = ("610000", "陕西省社会保障卡服务中心（省本级）")

# (code, city centre name, [(district code, district name)])
CITIES = [
    (
        "610100",
        "西安市",
        [("610102", "新城区"), ("610103", "碑林区"), ("610104", "莲湖区"), ("610113", "雁塔区")],
    ),
    ("610300", "宝鸡市", [("610302", "渭滨区"), ("610303", "金台区")]),
    ("611000", "商洛市", [("611002", "商州区"), ("611021", "洛南县"), ("611023", "商南县")]),
]

# Older people carry the codes of their birth years: Shangluo was 商洛地区 (6125xx) until 2001.
ABOLISHED = {"611002": ["612501", "612521"], "611021": ["612522"], "611023": ["612524"]}

BANKS = [
    ("B-ICBC", "中国工商银行陕西省分行"),
    ("B-CCB", "中国建设银行陕西省分行"),
    ("B-CAB", "长安银行"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文辉鹏宇浩然子涵欣怡梓萱诗琪雨桐俊杰晨阳思远嘉怡一诺佳琪博文浩宇天佑紫涵晓东海燕春梅志强国庆建国卫东红梅玉兰淑珍凤英德明"
# Names a GB 2312 card printer cannot print (生僻字): flagged before production.
RARE_GIVEN = ["堃", "喆", "玥", "珺", "昇", "犇", "甦", "䶮", "𠇔"]
FOREIGN_NAMES = [
    ("USA", "840", "SMITH JOHN"),
    ("GBR", "826", "BROWN EMILY"),
    ("KOR", "410", "KIM MINJUN"),
    ("JPN", "392", "SATO HARUKA"),
    ("DEU", "276", "MUELLER ANNA"),
    ("RUS", "643", "IVANOV PAVEL"),
    ("FRA", "250", "MARTIN LUCAS"),
]
DEMO_PASSWORD = "Sbk-demo-2026"
