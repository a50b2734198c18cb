"""Filler policy documents (其他业务的政策文件) for the assistant's 1,000-document benchmark.

Pure: no Django import. A centre's library would not hold a thousand documents about the
social security card: it would hold the rules of the other services it sits beside —
housing fund, employment and unemployment, medical, pension, work-injury and maternity
insurance, skills training, talent, labour disputes, social assistance. These documents are
written from per-topic facts and the phrasing of real municipal rules (总则 / 条 / 附则,
材料清单, 工作日时限, 待遇发放到社会保障卡银行账户), so they share the library's everyday
vocabulary (申请、材料、身份证件、工作日、银行、社会保障卡、网上办理) the way a real
library would, and compete with it for every question. They are never shuffled copies of
the library's own sentences.

``documents(n)`` gives ``(file_name, text)`` pairs in the library's own text format
(front matter + body), so the benchmark loads and splits them exactly like real files.
"""

from __future__ import annotations

import random

CITY = "示范市"
DISTRICTS = ["", "东城区", "西湖区", "南山区", "北塘区", "青浦区", "临港新区", "高新区", "滨江区"]
NUM = "一二三四五六七八九十"

# Per topic: subject, issuing body, matters, people, materials, channels of its own, and
# facts (sentences that only this topic says); {p}=people, {a}=agency, {m}=matter.
TOPICS: dict[str, dict] = {
    "公积金": {
        "subject": "住房公积金",
        "agency": "住房公积金管理中心",
        "matters": ["提取", "个人住房贷款", "缴存", "转移接续", "租房提取", "异地贷款", "补缴"],
        "people": ["缴存职工", "缴存单位", "借款人"],
        "materials": ["不动产权证书", "购房合同", "住房租赁合同", "婚姻状况证明", "贷款合同"],
        "facts": [
            "单位和职工住房公积金缴存比例均不得低于5%，不得高于12%。",
            "缴存基数为职工本人上一年度月平均工资，每年7月调整一次。",
            "职工购买、建造、翻建、大修自住住房的，可以提取本人住房公积金账户余额。",
            "租房提取每月限额为1500元，每年可申请一次。",
            "连续足额缴存住房公积金满6个月的职工，可以申请住房公积金个人住房贷款。",
            "首套住房贷款最高额度为80万元，贷款期限最长不超过30年。",
            "职工离职后户口迁出本市的，可以申请销户提取。",
            "异地贷款职工应当提供缴存地住房公积金管理中心出具的缴存证明。",
        ],
    },
    "就业": {
        "subject": "就业创业",
        "agency": "公共就业服务中心",
        "matters": [
            "就业登记",
            "创业担保贷款",
            "一次性创业补贴",
            "灵活就业社会保险补贴",
            "见习补贴",
        ],
        "people": ["劳动者", "高校毕业生", "用人单位", "创业者"],
        "materials": ["营业执照", "劳动合同", "毕业证书", "就业创业证", "银行流水"],
        "facts": [
            "用人单位招用劳动者的，应当自用工之日起30日内办理就业登记。",
            "创业担保贷款个人最高额度为30万元，贷款期限最长3年，按规定给予贴息。",
            "首次创办小微企业并正常经营1年以上的，给予一次性创业补贴1万元。",
            "就业困难人员灵活就业的，按实际缴费额的三分之二给予社会保险补贴，期限最长3年。",
            "见习补贴按照本市最低工资标准的60%发放，见习期限为3至12个月。",
            "公共就业服务机构免费提供职业介绍、职业指导和政策咨询服务。",
            "离校未就业高校毕业生可以在户籍地或常住地进行失业登记。",
        ],
    },
    "失业": {
        "subject": "失业保险",
        "agency": "失业保险经办机构",
        "matters": ["失业保险金申领", "稳岗返还", "技能提升补贴", "失业登记", "代缴基本医疗保险费"],
        "people": ["失业人员", "参保单位", "参保职工"],
        "materials": ["解除劳动合同证明", "终止劳动关系证明", "职业资格证书", "失业登记证明"],
        "facts": [
            "失业保险金按本市最低工资标准的90%按月发放。",
            "累计缴费满1年不足5年的，领取失业保险金的期限最长为12个月。",
            "失业人员领取失业保险金期间，由失业保险基金代缴基本医疗保险费。",
            "参保职工取得职业资格证书的，可以申请技能提升补贴，每人每年最多享受3次。",
            "上年度未裁员或裁员率不高于5.5%的参保单位，可以申请稳岗返还。",
            "失业保险金通过失业人员本人社会保障卡银行账户按月发放。",
            "失业人员重新就业、应征服兵役或者移居境外的，停止领取失业保险金。",
        ],
    },
    "医保": {
        "subject": "基本医疗保险",
        "agency": "医疗保障事务中心",
        "matters": [
            "参保登记",
            "异地就医备案",
            "门诊慢特病认定",
            "住院费用报销",
            "门诊共济",
            "个人账户家庭共济",
        ],
        "people": ["参保人员", "定点医疗机构", "参保单位"],
        "materials": ["医保电子凭证", "出院小结", "诊断证明", "医疗费用发票", "费用明细清单"],
        "facts": [
            "职工医保住院起付标准为一级医院800元、二级医院1000元、三级医院1200元。",
            "起付标准以上的住院费用，在职职工报销比例为85%，退休人员为90%。",
            "参保人员跨省异地就医的，应当先办理异地就医备案，可通过国家医保服务平台办理。",
            "门诊慢特病病种包括高血压、糖尿病、恶性肿瘤门诊治疗等，经认定后享受门诊待遇。",
            "参保人员在定点医疗机构就医，可使用社会保障卡或医保电子凭证直接结算。",
            "个人账户可用于支付配偶、父母、子女在定点医疗机构发生的个人负担医疗费用。",
            "城乡居民医保按年度缴费，每年9月至12月为集中缴费期。",
        ],
    },
    "养老": {
        "subject": "基本养老保险",
        "agency": "社会保险事业管理中心",
        "matters": [
            "退休待遇申领",
            "待遇领取资格认证",
            "关系转移接续",
            "个人账户一次性领取",
            "丧葬补助金申领",
        ],
        "people": ["参保人员", "离退休人员", "领取待遇人员"],
        "materials": ["居民户口簿", "档案材料", "死亡证明", "参保缴费凭证"],
        "facts": [
            "参保人员达到法定退休年龄且累计缴费满15年的，按月领取基本养老金。",
            "领取待遇人员每年应当进行一次待遇领取资格认证，可通过手机人脸识别完成。",
            "基本养老金通过本人社会保障卡银行账户按月发放。",
            "参保人员跨省流动就业的，基本养老保险关系随同转移，缴费年限累计计算。",
            "领取待遇人员死亡的，其遗属可以领取丧葬补助金和抚恤金。",
            "城乡居民养老保险缴费档次分为每年200元至5000元共十二个档次。",
            "未按时完成资格认证的，暂停发放养老金，认证后恢复发放并补发。",
        ],
    },
    "工伤": {
        "subject": "工伤保险",
        "agency": "工伤保险经办机构",
        "matters": ["工伤认定", "劳动能力鉴定", "工伤医疗费用结算", "一次性工亡补助金申领"],
        "people": ["职工", "用人单位", "工伤职工近亲属"],
        "materials": ["工伤认定申请表", "医疗诊断证明", "劳动关系证明", "事故调查报告"],
        "facts": [
            "职工发生事故伤害的，用人单位应当自事故伤害发生之日起30日内提出工伤认定申请。",
            "社会保险行政部门应当自受理工伤认定申请之日起60日内作出认定决定。",
            "劳动能力鉴定分为十个伤残等级，最重的为一级，最轻的为十级。",
            "工伤职工在停工留薪期内，原工资福利待遇不变，由所在单位按月支付。",
            "一次性工亡补助金标准为上一年度全国城镇居民人均可支配收入的20倍。",
        ],
    },
    "生育": {
        "subject": "生育保险",
        "agency": "医疗保障事务中心",
        "matters": ["生育津贴申领", "生育医疗费用报销", "产前检查费用结算"],
        "people": ["参保职工", "参保人员配偶", "用人单位"],
        "materials": ["出生医学证明", "生育服务登记", "住院病历"],
        "facts": [
            "女职工生育享受98天产假，难产的增加15天，生育多胞胎的每多生育一个婴儿增加15天。",
            "生育津贴按照职工所在单位上年度职工月平均工资计发。",
            "产前检查费用在定额标准内据实支付，最高不超过1000元。",
            "生育津贴由医疗保障经办机构拨付至用人单位，或按规定发放至本人社会保障卡。",
        ],
    },
    "技能": {
        "subject": "职业技能培训",
        "agency": "职业技能鉴定中心",
        "matters": ["培训补贴申领", "职业技能等级认定", "培训机构备案", "以工代训补贴"],
        "people": ["参训人员", "培训机构", "企业职工"],
        "materials": ["培训合格证书", "职业技能等级证书", "培训考勤记录"],
        "facts": [
            "取得职业技能等级证书的，按初级1000元、中级1500元、高级2000元给予培训补贴。",
            "同一职业同一等级的培训补贴只能享受一次。",
            "培训机构应当如实记录参训人员考勤，考勤率不足80%的不予补贴。",
            "职业技能等级认定由经备案的评价机构组织实施。",
        ],
    },
    "人才": {
        "subject": "人才引进",
        "agency": "人才服务中心",
        "matters": ["人才落户", "人才公寓申请", "安家补贴申领", "人才认定"],
        "people": ["引进人才", "用人单位", "高层次人才"],
        "materials": ["学历学位证书", "职称证书", "劳动合同", "个人所得税纳税证明"],
        "facts": [
            "全日制本科及以上学历人员在本市就业的，可以申请人才落户。",
            "经认定的高层次人才可以申请安家补贴，分五年发放。",
            "人才公寓租期一般不超过3年，租金不高于同地段市场租金的70%。",
            "人才认定结果在市人才服务网公示5个工作日。",
        ],
    },
    "劳动关系": {
        "subject": "劳动人事争议调解仲裁",
        "agency": "劳动人事争议仲裁委员会",
        "matters": ["仲裁申请", "调解", "欠薪投诉处理", "劳动合同备案"],
        "people": ["劳动者", "用人单位", "申请人"],
        "materials": ["仲裁申请书", "劳动合同", "工资支付凭证", "证据目录"],
        "facts": [
            "劳动争议申请仲裁的时效期间为一年，从当事人知道或者应当知道其权利被侵害之日起计算。",
            "仲裁委员会收到仲裁申请之日起5日内，认为符合受理条件的，应当受理。",
            "仲裁庭裁决劳动争议案件，应当自受理仲裁申请之日起45日内结束。",
            "用人单位拖欠劳动报酬的，劳动者可以向劳动保障监察机构投诉。",
        ],
    },
    "救助": {
        "subject": "社会救助",
        "agency": "民政局",
        "matters": ["最低生活保障审核", "临时救助", "特困人员供养", "医疗救助"],
        "people": ["申请家庭", "困难群众", "特困人员"],
        "materials": ["家庭收入证明", "户口簿", "残疾证", "财产状况声明"],
        "facts": [
            "共同生活的家庭成员人均收入低于当地最低生活保障标准的，可以申请最低生活保障。",
            "本市最低生活保障标准为每人每月1200元，每年调整一次。",
            "乡镇人民政府、街道办事处应当自受理之日起10个工作日内完成审核。",
            "遭遇突发事件导致基本生活暂时困难的家庭，可以申请临时救助。",
            "救助金通过申请人社会保障卡或本人银行账户发放。",
        ],
    },
}

# Sentences every rule of its kind says, whatever the topic.
GENERAL = [
    "为规范{s}{m}工作，保障{p}的合法权益，根据有关法律法规，结合本市实际，制定本办法。",
    "本办法适用于本市行政区域内{p}办理{s}{m}。",
    "{a}负责本市{s}{m}的组织实施和监督管理，各区{a}按照职责做好具体经办工作。",
    "申请{m}的，{p}应当提交下列材料：本人有效身份证件、{x1}、{x2}。",
    "{a}应当自受理申请之日起{n}个工作日内完成审核；符合条件的予以办理，不符合条件的书面告知理由。",
    "{p}可以通过政务服务网、{a}官方网站或手机应用在线办理{m}，也可以到服务窗口现场办理。",
    "{m}所需材料能够通过部门间数据共享获取的，不再要求{p}提供。",
    "{p}对{a}作出的决定不服的，可以依法申请行政复议或者提起行政诉讼。",
    "{a}应当建立{m}业务台账，按月统计办理情况，并向社会公开办事指南。",
    "以欺诈、伪造证明材料或者其他手段骗取{s}待遇的，由{a}责令退回，并依法追究责任。",
    "{p}委托他人办理{m}的，受托人应当提供授权委托书和双方有效身份证件。",
    "{a}工作人员在{m}工作中滥用职权、玩忽职守的，依法给予处分。",
    "{p}信息发生变更的，应当自变更之日起{n}日内到{a}办理变更手续。",
    "{a}应当推行{m}“一网通办”，压缩办理时限，实行首问负责和一次性告知。",
]


def _fill(rng: random.Random, template: str, topic: dict, matter: str) -> str:
    mats = rng.sample(topic["materials"], k=min(2, len(topic["materials"])))
    return template.format(
        s=topic["subject"],
        m=matter,
        p=rng.choice(topic["people"]),
        a=topic["agency"],
        x1=mats[0],
        x2=mats[-1],
        n=rng.choice([5, 7, 10, 15, 20, 30]),
    )


def document(rng: random.Random, number: int) -> tuple[str, str]:
    key = rng.choice(sorted(TOPICS))
    topic = TOPICS[key]
    matter = rng.choice(topic["matters"])
    district = rng.choice(DISTRICTS)
    year = rng.randint(2016, 2026)
    kind = rng.choice(["管理办法", "实施细则", "经办规程", "暂行办法", "操作指引"])
    title = f"{CITY}{district}{topic['subject']}{matter}{kind}"
    agency = f"{CITY}{district}{topic['agency']}"
    status = "superseded" if rng.random() < 0.15 else "in_force"
    lines = [
        "---",
        f"title: {title}",
        f"issuer: {agency}",
        f"number: 示{key[:1]}规〔{year}〕{number % 97 + 1}号",
        f"date: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        f"status: {status}",
        "public: yes",
        "---",
        title,
        "",
    ]
    general = GENERAL[:]
    rng.shuffle(general)
    facts = topic["facts"][:]
    rng.shuffle(facts)
    chapters = ["总则", f"{matter}条件", "办理程序", "待遇和标准", "监督管理", "附则"]
    article = 0
    for c, chapter in enumerate(chapters):
        lines.append(f"第{NUM[c]}章 {chapter}")
        for _ in range(rng.randint(2, 5)):
            article += 1
            pool = facts if facts and rng.random() < 0.5 else general
            if not pool:
                pool = facts or GENERAL
            sentence = _fill(
                rng, pool.pop() if pool is not GENERAL else rng.choice(GENERAL), topic, matter
            )
            lines.append(f"第{_cn(article)}条 {sentence}")
        lines.append("")
    lines.append(f"第{_cn(article + 1)}条 本办法自{year}年{rng.randint(1, 12)}月1日起施行。")
    name = f"filler_{number:04d}.txt"
    return name, "\n".join(lines) + "\n"


def _cn(n: int) -> str:
    if n <= 10:
        return NUM[n - 1]
    if n < 20:
        return "十" + (NUM[n - 11] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return NUM[tens - 1] + "十" + (NUM[ones - 1] if ones else "")


def documents(n: int, seed: int = 2026) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [document(rng, i + 1) for i in range(n)]
