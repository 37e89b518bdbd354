"""GraphQL for notifications, on a centre's endpoint: the desk's staff notifications, their
unread count and mark-read, the text messages sent from the centre (phones masked) and the
applicant's SMS choices."""

from __future__ import annotations

import graphene

from accounts.permissions import mask_phone
from graphql_api.context import require_actor
from graphql_api.enums import enum_from_choices
from graphql_api.mutations import BaseMutation
from graphql_api.pagination import CountableConnection, paginate
from graphql_api.scalars import DateTime
from notifications import services
from notifications.models import SmsKind, SmsStatus, StaffKind
from notifications.texts import staff_text

StaffNotificationKindEnum = enum_from_choices(
    "StaffNotificationKind",
    StaffKind,
    "What a staff notification is about: a new incoming case, a supplement received, a yellow "
    "or red supervision warning, a supervision order (督办).",
)
SmsKindEnum = enum_from_choices(
    "SmsKind",
    SmsKind,
    "A text message to an applicant: accepted, one-time notice, decided, ready to collect, "
    "rating invitation (the last two are non-essential: withheld after an opt-out).",
)
SmsStatusEnum = enum_from_choices(
    "SmsStatus", SmsStatus, "Delivery status: pending, sent, failed, suppressed (opted out)."
)


class StaffNotificationType(graphene.ObjectType):
    class Meta:
        name = "StaffNotification"
        description = "A notification to this centre's desk (read by anyone working there)."

    id = graphene.ID(required=True)
    kind = StaffNotificationKindEnum(required=True)
    tracking_no = graphene.String(
        required=True,
        description="The case; empty for a digest of many new warnings of one level "
        "(the text gives their count; filter the worklist by warning level to list them).",
    )
    text = graphene.String(required=True, description="In the request's language.")
    created_at = DateTime(required=True)
    read_at = DateTime()
    read_by = graphene.String(required=True, description="Who marked it read (empty: unread).")

    @staticmethod
    def resolve_id(note, info):
        return note.pk

    @staticmethod
    def resolve_text(note, info):
        return staff_text(note.kind, note.text_args, note.tracking_no)


class StaffNotificationConnection(CountableConnection):
    class Meta:
        node = StaffNotificationType


class SmsMessageType(graphene.ObjectType):
    class Meta:
        name = "SmsMessage"
        description = "A text message sent (or to be sent) from this centre to an applicant."

    id = graphene.ID(required=True, description="Also the gateway's idempotency key.")
    kind = SmsKindEnum(required=True)
    tracking_no = graphene.String(required=True)
    phone = graphene.String(required=True, description="Masked (139****1234).")
    language = graphene.String(required=True)
    status = SmsStatusEnum(required=True)
    attempts = graphene.Int(required=True)
    last_error_code = graphene.String(required=True, description="Empty when none.")
    created_at = DateTime(required=True)
    sent_at = DateTime()

    @staticmethod
    def resolve_phone(message, info):
        return mask_phone(message.phone)


class SmsMessageConnection(CountableConnection):
    class Meta:
        node = SmsMessageType


class SmsPreferenceType(graphene.ObjectType):
    class Meta:
        name = "SmsPreference"
        description = "An applicant's SMS choices for one case."

    tracking_no = graphene.String(required=True)
    opt_out = graphene.Boolean(
        required=True, description="Non-essential messages (reminders, rating) withheld."
    )
    language = graphene.String(required=True)
    updated_by = graphene.String(required=True)


class CentreQuery(graphene.ObjectType):
    staff_notifications = graphene.relay.ConnectionField(
        StaffNotificationConnection,
        unread_only=graphene.Boolean(default_value=False),
        description="This centre's notifications, newest first.",
    )
    unread_notification_count = graphene.Int(
        required=True, description="This centre's unread notifications."
    )
    sms_messages = graphene.relay.ConnectionField(
        SmsMessageConnection,
        tracking_no=graphene.String(description="Only the messages of this case."),
        description="Text messages sent from this centre, newest first (phones masked).",
    )

    @staticmethod
    def resolve_staff_notifications(root, info, unread_only=False, **args):
        context = require_actor(info)
        notes = services.centre_notifications(
            context.centre, context.actor, unread_only=unread_only
        ).order_by("-created_at", "-id")
        return paginate(notes, args, StaffNotificationConnection)

    @staticmethod
    def resolve_unread_notification_count(root, info):
        context = require_actor(info)
        services.centre_notifications(context.centre, context.actor)  # the same check
        return services.unread_count(context.centre)

    @staticmethod
    def resolve_sms_messages(root, info, tracking_no=None, **args):
        context = require_actor(info)
        rows = services.centre_sms(context.centre, context.actor, tracking_no=tracking_no)
        return paginate(rows.order_by("-created_at", "-id"), args, SmsMessageConnection)


class MarkNotificationsRead(BaseMutation):
    """Mark this centre's notifications read: the ones named, or all unread ones."""

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID), description="Omit to mark all.")

    count = graphene.Int(description="How many changed (null on error).")
    unread = graphene.Int(description="This centre's unread count after (null on error).")

    @classmethod
    def authorize(cls, info):
        return require_actor(info)

    @classmethod
    def perform_mutation(cls, info, auth, ids=None) -> dict:
        count = services.mark_read(auth.centre, auth.actor, ids)
        return {"count": count, "unread": services.unread_count(auth.centre)}


class SetSmsPreference(BaseMutation):
    """The applicant of a case logged here opts out of (or back into) the non-essential text
    messages, or changes their language (zh-hans, en)."""

    class Arguments:
        tracking_no = graphene.String(required=True)
        opt_out = graphene.Boolean(required=True)
        language = graphene.String()

    preference = graphene.Field(SmsPreferenceType)

    @classmethod
    def authorize(cls, info):
        return require_actor(info)

    @classmethod
    def perform_mutation(cls, info, auth, tracking_no, opt_out, language=None) -> dict:
        preference = services.set_sms_preference(
            auth.centre, auth.actor, tracking_no, opt_out=opt_out, language=language
        )
        return {"preference": preference}


class CentreMutation(graphene.ObjectType):
    mark_notifications_read = MarkNotificationsRead.Field()
    set_sms_preference = SetSmsPreference.Field()
