"""Shared vocabulary of the domain: unit kinds, roles and the states of work."""

from enum import StrEnum


class UnitKind(StrEnum):
    PROVINCE = "province"  # the province bureau itself (root of the tree)
    DEPARTMENT = "department"  # a department of the province bureau (处室, 总队)
    CITY = "city"  # 省辖市 bureau
    COUNTY = "county"  # county-level bureau (县/市/区, incl. 省直管县)


class Role(StrEnum):
    REPORTER = "reporter"
    UNIT_ADMIN = "unit_admin"
    PROVINCE_ADMIN = "province_admin"


class PlanState(StrEnum):
    """A plan's lifecycle: imported as a draft, published to the units, closed when over."""

    DRAFT = "draft"  # 草稿: admins only, nothing owed or reminded yet
    PUBLISHED = "published"  # 已发布: owed, reminded, reported
    CLOSED = "closed"  # 已结束: history, exports and archives only


class ReportStatus(StrEnum):
    PENDING = "pending"  # 已报送(待审)
    ACCEPTED = "accepted"  # 已通过
    RETURNED = "returned"  # 已退回
    WITHDRAWN = "withdrawn"


class AssignmentState(StrEnum):
    """State of one unit × material, as the bureau names it."""

    NOT_SUBMITTED = "not_submitted"  # 未报送
    PENDING = "pending"  # 已报送(待审)
    ACCEPTED = "accepted"  # 已通过
    RETURNED = "returned"  # 已退回
    NOT_APPLICABLE = "not_applicable"  # 不适用


class Light(StrEnum):
    """督办亮灯: where one unit × material stands; chat, board and export colour it alike.

    Each light has one colour everywhere (`domain.palette.PALETTE`). A returned material
    is lit by its deadline like any owed one; the state text or the board's mark says so.
    """

    ACCEPTED = "accepted"  # 已通过: green
    PENDING = "pending"  # 已报送待审: blue
    NOT_DUE = "not_due"  # 未到期: grey
    DUE_SOON = "due_soon"  # 将到期, within BOT_DUE_SOON_DAYS: yellow
    OVERDUE = "overdue"  # 逾期: red
    NOT_APPLICABLE = "not_applicable"  # 不适用: hatched


class RequestKind(StrEnum):
    NOT_APPLICABLE = "na"
    EXTENSION = "extend"


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
