"""Operations records (运营记录): work orders, trainings, equipment, information reports,
material sampling and the centre's assessments. Every record carries ``org``, the
organisation it belongs to, for the scope check (``sbk.orgs.scope``)."""

from .equipment import Device, DeviceFault, MaintenanceMode
from .orders import WorkOrder, WorkOrderEvent
from .records import (
    CentreAssessment,
    Exam,
    ExamResult,
    InfoReport,
    Questionnaire,
    Training,
    Tutor,
)
from .sampling import ApplicationDocument, BusinessError, MaterialSample, SampleDraw

__all__ = [
    "ApplicationDocument",
    "BusinessError",
    "CentreAssessment",
    "Device",
    "DeviceFault",
    "Exam",
    "ExamResult",
    "InfoReport",
    "MaintenanceMode",
    "MaterialSample",
    "Questionnaire",
    "SampleDraw",
    "Training",
    "Tutor",
    "WorkOrder",
    "WorkOrderEvent",
]
