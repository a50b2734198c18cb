"""The catalogue of business actions (业务动作目录), the ministry's service items and channels.

Every state change in sbk is one ``Action``: it names the audit row (``audit_name``), says
whether it is one of the ministry's service items (①–⑨, 季调度表(一) note 5) and whether it is
a service to a citizen (``citizen``: a row in the service journal that the reports and the
evaluation count). Numbers are grouped by domain, in the manner of Zulip's
``AuditLogEventType``: 1xx registry, 2xx applications, 3xx cards, 4xx photos, 5xx exports,
6xx accounts, 7xx organisations, 8xx the platform itself, 9xx stock (卡基台账),
10xx reports and calendar, 11xx operations (运营记录),
12xx banks and card usage (合作银行与用卡), 13xx evaluation (评估),
14xx assistant (办理智能小助手).
A number is never reused.

``sbk.core.actions.record`` writes the audit row and, for service items, the journal row.
"""

from __future__ import annotations

import enum

from django.db import models


class ServiceItem(models.IntegerChoices):
    """The ministry's service items (季调度表(一) note 5)."""

    APPLICATION = 1, "申领（补换卡）"
    INFO_CHANGE = 2, "信息变更"
    LOSS = 3, "挂失（解挂）"
    CANCELLATION = 4, "注销"
    TRANSFER_IN_PROVINCE = 5, "省内转移"
    TRANSFER_CROSS_PROVINCE = 6, "跨省转移"
    ENQUIRY = 7, "咨询"
    PIN_UNLOCK = 8, "解锁"
    OTHER = 9, "其他"


class Channel(models.IntegerChoices):
    """The ministry's service channels (note 6)."""

    CARD_CENTRE = 1, "社保卡服务中心"
    SOCIAL_INSURANCE_HALL = 2, "社保经办大厅"
    EMPLOYMENT_HALL = 3, "就业服务大厅"
    COMMUNITY = 4, "街道（乡镇）社区网点"
    BANK = 5, "银行网点"
    HOTLINE = 6, "12333"
    ONLINE = 7, "网上服务"
    MOBILE = 8, "移动端"
    KIOSK = 9, "自助终端"
    OTHER = 10, "其他"


class Action(enum.IntEnum):
    """One business action. ``Action.CARD_PRODUCE.audit_name == "card.produce"``."""

    audit_name: str
    label: str
    item: ServiceItem | None

    def __new__(cls, number: int, audit_name: str, label: str, item: ServiceItem | None = None):
        obj = int.__new__(cls, number)
        obj._value_ = number
        obj.audit_name = audit_name
        obj.label = label
        obj.item = item
        return obj

    @property
    def citizen(self) -> bool:
        """A service to a citizen: journalled, counted by the reports and the evaluation."""
        return self.item is not None

    # 1xx registry (持卡库)
    PERSON_CREATE = 101, "person.create", "持卡人登记"
    PERSON_CHANGE = 102, "person.change", "信息变更", ServiceItem.INFO_CHANGE
    PERSON_IMPORT = 103, "person.import", "持卡库批量导入"
    PERSON_CANCEL = 104, "person.cancel", "注销", ServiceItem.CANCELLATION
    PERSON_TRANSFER_IN_PROVINCE = (
        105,
        "person.transfer_in_province",
        "省内转移",
        ServiceItem.TRANSFER_IN_PROVINCE,
    )
    PERSON_TRANSFER_CROSS_PROVINCE = (
        106,
        "person.transfer_cross_province",
        "跨省转移",
        ServiceItem.TRANSFER_CROSS_PROVINCE,
    )
    # 2xx applications (制卡申请)
    APPLICATION_START = 201, "application.start", "申请登记"
    APPLICATION_PHOTO = 202, "application.photo", "申请照片"
    APPLICATION_SUBMIT = 203, "application.submit", "提交申请", ServiceItem.APPLICATION
    APPLICATION_REJECT = 204, "application.reject", "驳回申请", ServiceItem.APPLICATION
    APPLICATION_WITHDRAW = 205, "application.withdraw", "撤销申请"
    # 3xx cards (社保卡)
    CARD_PRODUCE = 301, "card.produce", "制卡", ServiceItem.APPLICATION
    CARD_ISSUE = 302, "card.issue", "发卡", ServiceItem.APPLICATION
    CARD_KIOSK_ISSUE = 303, "card.kiosk_issue", "自助机即时制卡", ServiceItem.APPLICATION
    CARD_REPORT_LOSS_TEMPORARY = 304, "card.report_loss_temporary", "临时挂失", ServiceItem.LOSS
    CARD_REPORT_LOSS_FORMAL = 305, "card.report_loss_formal", "正式挂失", ServiceItem.LOSS
    CARD_UNLOCK_LOSS = 306, "card.unlock_loss", "解挂", ServiceItem.LOSS
    CARD_ACTIVATE_FINANCIAL = 307, "card.activate_financial", "启用金融功能", ServiceItem.OTHER
    CARD_UNLOCK_PIN = 308, "card.unlock_pin", "密码解锁", ServiceItem.PIN_UNLOCK
    CARD_LAPSE_TEMPORARY_LOSS = 309, "card.lapse_temporary_loss", "临时挂失到期"
    CARD_MARK_UNCLAIMED = 310, "card.mark_unclaimed", "标记滞发"
    CARD_IMPORT = 311, "card.import", "卡历史迁移导入"
    ENQUIRY = 312, "enquiry.record", "咨询", ServiceItem.ENQUIRY
    # 社保功能密码修改 (seed 002 附件1 step 6): not one of items ①–⑧, so ⑨ 其他.
    CARD_CHANGE_PIN = 313, "card.change_pin", "修改社保功能密码", ServiceItem.OTHER
    CARD_PRODUCE_ON_THE_SPOT = (
        314,
        "card.produce_on_the_spot",
        "窗口现场制卡",
        ServiceItem.APPLICATION,
    )
    ECARD_VERIFY = 315, "ecard.verify", "核验电子社保卡"
    CARD_INTERCEPT = 316, "card.intercept", "卡面差错拦截"
    CARD_CHANGE_BANK = 317, "card.change_bank", "变更合作银行", ServiceItem.OTHER
    # 4xx photos (照片)
    PHOTO_CHECK = 401, "photo.check", "照片检测"
    PHOTO_OVERRIDE = 402, "photo.override", "照片人工放行"
    # 5xx exports (导出)
    EXPORT_PEOPLE = 501, "export.people", "导出持卡人"
    EXPORT_REQUEST = 502, "export.request", "申请大批量导出"
    EXPORT_APPROVE = 503, "export.approve", "批准导出"
    EXPORT_REJECT = 504, "export.reject", "拒绝导出"
    EXPORT_DOWNLOAD = 505, "export.download", "下载已批准的导出"
    # 6xx accounts (账号)
    STAFF_CREATE = 601, "staff.create", "创建工作人员账号"
    STAFF_PASSWORD_CHANGE = 602, "staff.password_change", "修改密码"
    STAFF_TOTP_ENROL = 603, "staff.totp_enrol", "绑定动态口令"
    APPLICANT_REGISTER = 604, "applicant.register", "申请人注册"
    TOKEN_CREATE = 605, "token.create", "创建 API 令牌"
    TOKEN_REVOKE = 606, "token.revoke", "吊销 API 令牌"
    STAFF_DEACTIVATE = 607, "staff.deactivate", "停用账号"
    # 7xx organisations (机构)
    ORG_CREATE = 701, "org.create", "新建机构"
    ORG_CHANGE = 702, "org.change", "修改机构"
    # 8xx the platform (平台)
    KEYS_ROTATE = 801, "keys.rotate", "密钥轮换"
    KEYS_REENCRYPT = 802, "keys.reencrypt", "重新加密"
    AUDIT_PURGE = 803, "audit.purge", "日志到期清理"
    KEYS_INDEX_ROTATE = 804, "keys.index_rotate", "盲索引密钥轮换"
    KEYS_REINDEX = 805, "keys.reindex", "盲索引重建"
    # 9xx stock (卡基台账)
    STOCK_ALLOCATE = 901, "stock.allocate", "卡基下拨"
    STOCK_RECEIVE = 902, "stock.receive", "卡基签收"
    STOCK_CONSUME = 903, "stock.consume", "卡基领用登记"
    STOCK_SPOIL = 904, "stock.spoil", "制卡损耗"
    STOCK_RETURN = 905, "stock.return", "废卡滞发卡上缴"
    STOCK_WRITE_OFF = 906, "stock.write_off", "核销"
    STOCK_TRANSFER = 907, "stock.transfer", "网点间调拨"
    STOCK_CORRECT = 908, "stock.correct", "台账更正"
    STOCK_CLOSE_DAY = 909, "stock.close_day", "日清"
    STOCK_CLOSE_MONTH = 910, "stock.close_month", "月结"
    STOCK_COUNT = 911, "stock.count", "盘点"
    STOCK_EXPLAIN = 912, "stock.explain", "账实差异说明"
    STOCK_RECTIFY = 913, "stock.rectify", "账实差异整改"
    # 10xx reports and calendar (调度表与节假日)
    HOLIDAY_SET = 1001, "holiday.set", "维护节假日"
    HOLIDAY_LOAD = 1002, "holiday.load", "导入年度放假安排"
    REPORT_GENERATE = 1011, "report.generate", "生成调度表并存档"
    REPORT_ENTER = 1012, "report.enter", "录入调度表填报内容"
    REPORT_CATALOGUE = 1013, "report.catalogue", "维护应用目录"
    REPORT_REBUILD_COUNTS = 1014, "report.rebuild_counts", "重建持卡人数统计"
    # 11xx operations (运营记录)
    ORDER_CREATE = 1101, "order.create", "受理投诉及好差评工单"
    ORDER_IMPORT = 1102, "order.import", "导入好差评工单"
    ORDER_DISPATCH = 1103, "order.dispatch", "工单派单"
    ORDER_SIGN = 1104, "order.sign", "工单签收"
    ORDER_RESPOND = 1105, "order.respond", "工单响应"
    ORDER_RECTIFY = 1106, "order.rectify", "工单整改"
    ORDER_VISIT = 1107, "order.visit", "工单回访"
    ORDER_CLOSE = 1108, "order.close", "工单办结"
    ORDER_RETURN = 1109, "order.return", "工单退单"
    ORDER_REOPEN = 1110, "order.reopen", "工单重启"
    ORDER_PAUSE = 1111, "order.pause", "工单暂停计时"
    ORDER_RESUME = 1112, "order.resume", "工单恢复计时"
    ORDER_ESCALATE = 1113, "order.escalate", "工单超时升级"
    TRAINING_RECORD = 1121, "training.record", "登记业务培训"
    TUTOR_RECORD = 1122, "tutor.record", "登记小教员"
    QUESTIONNAIRE_RECORD = 1123, "questionnaire.record", "登记现场问卷得分"
    EXAM_CREATE = 1124, "exam.create", "新建线上考核"
    EXAM_IMPORT = 1125, "exam.import", "导入考核成绩"
    DEVICE_REGISTER = 1131, "device.register", "登记网点设备"
    DEVICE_CHANGE = 1132, "device.change", "变更设备状态"
    FAULT_REPORT = 1133, "fault.report", "设备报修"
    FAULT_REPAIR = 1134, "fault.repair", "设备修复"
    FAULT_REVIEW = 1135, "fault.review", "核查报修记录"
    MAINTENANCE_SET = 1136, "maintenance.set", "设置区运维模式"
    INFO_SUBMIT = 1141, "info.submit", "上报工作信息"
    INFO_ADOPT = 1142, "info.adopt", "采用工作信息"
    DOCUMENT_ATTACH = 1151, "document.attach", "上传申领影像材料"
    SAMPLE_DRAW = 1152, "sample.draw", "抽取业务材料样本"
    SAMPLE_INSPECT = 1153, "sample.inspect", "检查抽样材料"
    BUSINESS_ERROR_RECORD = 1154, "business_error.record", "登记业务差错"
    ASSESSMENT_RECORD = 1161, "assessment.record", "录入中心评估"
    # 12xx banks and card usage (合作银行与用卡)
    BANK_ONBOARD = 1201, "bank.onboard", "建立服务银行档案"
    BANK_CHANGE = 1202, "bank.change", "修改服务银行档案"
    BANK_SET_STATUS = 1203, "bank.set_status", "服务银行状态变更"
    USAGE_IMPORT = 1211, "usage.import", "导入用卡记录"
    VENUE_REGISTER = 1221, "venue.register", "摸排登记应用场景门店"
    VENUE_CHANGE = 1222, "venue.change", "修改或上报应用场景门店"
    CAMPAIGN_CREATE = 1231, "campaign.create", "新建优惠活动"
    CAMPAIGN_CHANGE = 1232, "campaign.change", "修改优惠活动"
    CASE_SUBMIT = 1241, "case.submit", "提交宣传案例"
    CASE_SELECT = 1242, "case.select", "推选宣传案例"
    # 13xx evaluation (评估)
    EVALUATION_RUN = 1301, "evaluation.run", "计算并存储评估得分"
    EVALUATION_ENTER = 1302, "evaluation.enter", "人工录入评估指标"
    # 14xx assistant (办理智能小助手): the policy library; asking a question is no action
    ASSISTANT_DOCUMENT_LOAD = 1401, "assistant.document_load", "加载政策文件"
    ASSISTANT_DOCUMENT_STATUS = 1402, "assistant.document_status", "标记政策文件现行或废止"
    ASSISTANT_SYNONYMS_EDIT = 1403, "assistant.synonyms_edit", "编辑小助手同义词"
    ASSISTANT_TEACH = 1404, "assistant.teach", "教小助手：为问题指定答案段落"
    ASSISTANT_FORGET = 1405, "assistant.forget", "删除教给小助手的问题"
    ASSISTANT_REPORT_WRONG = 1406, "assistant.report_wrong", "报告小助手答非所问"
    ASSISTANT_DECLINE = 1407, "assistant.decline", "标为库外问题（小助手拒答）"
    ASSISTANT_UNDECLINE = 1408, "assistant.undecline", "撤销库外问题"

    @classmethod
    def by_audit_name(cls, name: str) -> Action:
        for action in cls:
            if action.audit_name == name:
                return action
        raise KeyError(name)
