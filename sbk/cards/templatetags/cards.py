"""``{% person_cards person %}``: the card section of the person page (history timeline)."""

from django import template

from sbk.cards.queries import applications_for, cards_for, transactions_for

register = template.Library()


@register.inclusion_tag("cards/_person_cards.html", takes_context=True)
def person_cards(context, person):
    user = context["request"].user
    return {
        "person": person,
        "user": user,
        "cards": list(cards_for(user).filter(person=person).select_related("replaces")),
        "open_app": applications_for(user)
        .filter(person=person, status__in=["draft", "submitted", "produced"])
        .first(),
        "timeline": list(transactions_for(user).filter(person=person)[:100]),
    }


ACTION_LABELS = {
    "application.submit": "提交申请",
    "application.reject": "驳回申请",
    "card.produce": "制卡",
    "card.issue": "发卡",
    "card.kiosk_issue": "自助机现场制卡",
    "card.report_loss_temporary": "临时挂失",
    "card.report_loss_formal": "正式挂失",
    "card.unlock_loss": "解挂",
    "card.lapse_temporary_loss": "临时挂失到期",
    "card.mark_unclaimed": "滞发",
    "card.activate_financial": "启用金融功能",
    "card.unlock_pin": "密码解锁",
    "card.change_pin": "修改社保功能密码",
    "card.change_bank": "变更合作银行",
    "person.change": "信息变更",
    "person.cancel": "注销",
    "person.transfer_in_province": "省内转移",
    "person.transfer_cross_province": "跨省转移",
    "enquiry": "咨询",
}


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
