"""Imports every model so that Alembic and create_app see the whole schema."""

from movetrack.attendance.models import Attendance  # noqa: F401
from movetrack.audit import AuditEvent  # noqa: F401
from movetrack.auth.models import Role, User, user_units  # noqa: F401
from movetrack.certificates.models import Certificate  # noqa: F401
from movetrack.consent.models import Consent  # noqa: F401
from movetrack.followups.models import FollowUp, Goal, GoalModule, UnitSettings  # noqa: F401
from movetrack.media.models import Upload  # noqa: F401
from movetrack.modules.models import (  # noqa: F401
    Module,
    ModuleArea,
    ModuleStep,
    ModuleVersion,
    StepPicture,
    StepTranslation,
    VersionTranslation,
    module_workstations,
)
from movetrack.mypages.models import ParticipantCredential, SelfRating  # noqa: F401
from movetrack.org.models import OrderingUnit, Organisation, Unit, Workstation  # noqa: F401
from movetrack.participants.models import Assignment, Participant  # noqa: F401
from movetrack.placements.models import (  # noqa: F401
    NeedCategory,
    Placement,
    PlacementEvent,
    ScheduleDay,
)
from movetrack.privacy.models import Redaction  # noqa: F401
from movetrack.progress.models import Rating  # noqa: F401
from movetrack.quality.models import QualityAnswer, QualityQuestion  # noqa: F401
