"""Form classes: they validate the shape of what people type, nothing more."""
from __future__ import annotations

import functools

from babel import support
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, DateTimeLocalField, EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp, ValidationError

from .models import ArticleStatus, Role
from .net import banned_network, too_wide_for_a_ban
from .moderation.types import Mode, Rule, Severity
from .pagecache import new_form_stamp, new_form_token
from .sanitize import clean_name, clean_text, invisible
from .slugs import SLUG_MAX, SLUG_RE, name_key

NAME_MAX = 80
BODY_MAX = 5000


class ChoiceField(SelectField):
    """A SelectField declared with (value, label) pairs, handed to WTForms as SelectChoice (tuples are deprecated)."""

    def __init__(self, label=None, validators=None, choices=(), **kwargs):
        super().__init__(label, validators, choices=[SelectChoice(value, text) for value, text in choices], **kwargs)


RULE_CHOICES = [
    (Rule.INSULT.value, _l("إساءة أو شتم")),
    (Rule.RELIGION.value, _l("مهاجمة الأديان أو المقدسات")),
    (Rule.INCITEMENT.value, _l("تحريض عنصري أو كراهية")),
    (Rule.SPAM.value, _l("إشهار أو رسائل مزعجة")),
]


@functools.lru_cache(maxsize=8)
def _wtforms_messages(locale: str) -> support.Translations:
    """WTForms' own messages in one language, read once per process (Flask-WTF reads them for every request)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """The base of every form: Flask-WTF's CSRF, WTForms' messages in the reader's language."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_messages(str(get_locale()))


def _normalize_email(field, check_deliverability: bool = False) -> None:
    """An e-mail field's address in its normalized form, or the form's message when it is none."""
    try:
        field.data = validate_email(field.data or "", check_deliverability=check_deliverability).normalized
    except EmailNotValidError:
        raise ValidationError(_l("عنوان البريد الإلكتروني غير صالح.")) from None


def _at_most(limit: int) -> Length:
    """A length limit whose message is the site's own, in each interface language (WTForms' Arabic catalogue has
    no plural forms for its own message, which then came in English on the Arabic pages)."""
    return Length(max=limit, message=lazy_ngettext(
        "النص طويل جدا: %(num)d حرف على الأكثر.", "النص طويل جدا: %(num)d حرف على الأكثر.", limit))


def _strip(value):
    """Trim a typed value and drop what no database column may hold (NUL, lone surrogates)."""
    return clean_text(value).strip() if isinstance(value, str) else value


def _line_ends(value):
    """Line ends as one character: a browser sends each as two (CR LF), which would count against the length."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class CommentTextForm(Form):
    """The text of a comment (also the form that edits one)."""

    body = TextAreaField(
        _l("التعليق"),
        filters=[_line_ends],
        validators=[
            InputRequired(_l("التعليق مطلوب.")),
            Length(max=BODY_MAX, message=_l("التعليق طويل جدا: %(max)d حرف على الأكثر.", max=BODY_MAX)),
        ],
    )

    def validate_body(self, field):
        cleaned = clean_text(field.data or "")
        if invisible(cleaned):  # nothing but spaces, or characters nobody sees (zero-width, direction marks)
            raise ValidationError(_l("التعليق مطلوب."))
        field.data = cleaned


class CommentForm(CommentTextForm):
    """A reader's comment: name*, e-mail* (never published) and comment*; optional reply target and boxes."""

    author_name = StringField(
        _l("الاسم"),
        filters=[_strip],
        validators=[
            InputRequired(_l("الاسم مطلوب.")),
            Length(max=NAME_MAX, message=_l("الاسم طويل جدا: %(max)d حرفا على الأكثر.", max=NAME_MAX)),
        ],
    )
    author_email = EmailField(
        _l("البريد الإلكتروني"),
        filters=[_strip],
        validators=[InputRequired(_l("البريد الإلكتروني مطلوب.")), Length(max=254, message=_l("البريد الإلكتروني طويل جدا."))],
    )
    parent_id = HiddenField()
    # A random token per rendered form: a retried POST of the same form stores one comment.
    form_token = HiddenField(default=new_form_token, validators=[Optional(), _at_most(64)])
    remember = BooleanField(_l("تذكّر اسمي وبريدي في هذا المتصفح"))
    notify = BooleanField(_l("راسلني عند نشر تعليقي وعند الرد عليه"))
    # Abuse resistance (blog/abuse.py): when the form was served, and a field people never see.
    started = HiddenField(default=new_form_stamp)
    website = StringField(filters=[_strip])

    def validate_author_name(self, field):
        cleaned = clean_name(field.data or "")
        if invisible(cleaned):  # nothing, or characters drawn as nothing
            raise ValidationError(_l("الاسم مطلوب."))
        field.data = cleaned

    def validate_author_email(self, field):
        _normalize_email(field, check_deliverability=current_app.config["EMAIL_CHECK_DELIVERABILITY"])

    def reply_to(self) -> int | None:
        """The id of the comment answered, if any (anything else in the hidden field is ignored)."""
        value = (self.parent_id.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 12 else None


class ReactionForm(Form):
    """A reader's reaction to a comment: like, dislike, or none (taking it back)."""

    value = ChoiceField(choices=[("like", "like"), ("dislike", "dislike"), ("none", "none")],
                        validators=[InputRequired()])


class EmptyForm(Form):
    """Only the CSRF token: for actions that need no other input."""


class LoginForm(Form):
    """Staff login."""

    email = StringField(_l("البريد الإلكتروني"), filters=[_strip], validators=[DataRequired(_l("البريد الإلكتروني مطلوب.")), _at_most(254)])
    password = PasswordField(_l("كلمة المرور"), validators=[DataRequired(_l("كلمة المرور مطلوبة.")), _at_most(512)])


class DecisionForm(Form):
    """A moderator's decision: CSRF token and the version the moderator saw."""

    version = HiddenField(validators=[Optional()])


class RejectForm(DecisionForm):
    """A rejection names the rule broken and may carry a note."""

    rule = ChoiceField(
        _l("القاعدة"),
        choices=RULE_CHOICES,
        validators=[InputRequired(_l("اختر القاعدة."))],
    )
    note = TextAreaField(_l("ملاحظة"), filters=[_strip], validators=[Optional(), _at_most(1000)])


class EditForm(DecisionForm):
    """A moderator's correction of a comment's text (the original is kept in the audit trail)."""

    body = TextAreaField(
        _l("نص التعليق"),
        validators=[InputRequired(_l("التعليق مطلوب.")), Length(max=BODY_MAX, message=_l("التعليق طويل جدا."))],
    )
    note = StringField(_l("ملاحظة"), filters=[_strip], validators=[Optional(), _at_most(1000)])

    def validate_body(self, field):
        cleaned = clean_text(field.data or "")
        if invisible(cleaned):  # nothing but spaces, or characters nobody sees (zero-width, direction marks)
            raise ValidationError(_l("التعليق مطلوب."))
        field.data = cleaned


BAN_DURATIONS = [("1", _l("يوم واحد")), ("7", _l("أسبوع")), ("30", _l("شهر")), ("365", _l("سنة")),
                 ("forever", _l("نهائيا"))]


class BanForm(Form):
    """A ban on an e-mail and/or an address, for a period or for good, with a reason."""

    email = StringField(_l("البريد الإلكتروني"), filters=[_strip], validators=[Optional(), _at_most(254)])
    address = StringField(_l("العنوان (الشبكة)"), filters=[_strip], validators=[Optional(), _at_most(64)])
    duration = ChoiceField(_l("المدة"), choices=BAN_DURATIONS, default="7",
                           validators=[InputRequired(_l("اختر المدة."))])
    reason = StringField(_l("السبب"), filters=[_strip],
                         validators=[DataRequired(_l("اذكر سبب الحظر.")), _at_most(1000)])

    def validate_email(self, field):
        if field.data:
            _normalize_email(field)

    def validate_address(self, field):
        if field.data and too_wide_for_a_ban(field.data):
            raise ValidationError(_l("هذه الشبكة أوسع من أن تُحظر: ‎/16 على الأكثر (‎/32 في IPv6)."))
        if field.data and banned_network(field.data) is None:
            raise ValidationError(_l("اكتب عنوان IP (مثل 203.0.113.7) أو شبكة (مثل 203.0.113.0/24)."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.email.data or "").strip() and not (self.address.data or "").strip():
            self.email.errors = [*self.email.errors, _l("أدخل البريد الإلكتروني أو العنوان أو كليهما.")]
            return False
        return valid


class BulkForm(Form):
    """Several comments at once (checkbox values "id:version"), or every pending one of an author."""

    rule = ChoiceField(_l("القاعدة"), choices=RULE_CHOICES, validators=[Optional()])
    author = HiddenField(validators=[Optional(), _at_most(254)])


class ReportForm(Form):
    """A reader's report of a published comment: which rule it breaks."""

    rule = ChoiceField(
        _l("ما المخالفة؟"),
        choices=RULE_CHOICES,
        validators=[InputRequired(_l("اختر المخالفة."))],
    )
def _clean(value):
    return clean_text(value).strip() if isinstance(value, str) else value


def _one_line(value):
    return clean_name(value) if isinstance(value, str) else value


STATUS_LABELS = {
    ArticleStatus.DRAFT: _l("مسودة"),
    ArticleStatus.SCHEDULED: _l("مجدول"),
    ArticleStatus.PUBLISHED: _l("منشور"),
    ArticleStatus.UNPUBLISHED: _l("غير منشور"),
}
ROLE_LABELS = {Role.EDITOR: _l("محرر"), Role.MODERATOR: _l("مشرف"), Role.ADMIN: _l("مدير")}


# The years an article may be dated: an archive's oldest pieces, a schedule's farthest.
PUBLISH_YEARS = (1900, 2100)


class ArticleForm(Form):
    """An article as the editor writes it: Markdown body, status, optional time and cover image."""

    # A random token per new-article form served: the same form sent twice stores one article.
    form_token = HiddenField(default=new_form_token, validators=[Optional(), _at_most(64)])

    title = StringField(_l("العنوان"), filters=[_one_line], validators=[
        DataRequired(_l("العنوان مطلوب.")), Length(max=300, message=_l("العنوان طويل جدا: 300 حرف على الأكثر."))])
    slug = StringField(_l("الرابط (بحروف لاتينية)"), filters=[_strip, lambda v: v.lower() if isinstance(v, str) else v],
                       validators=[Optional(), _at_most(SLUG_MAX), Regexp(SLUG_RE, message=_l(
                           "الرابط: حروف لاتينية صغيرة وأرقام وشرطات فقط."))])
    lead = TextAreaField(_l("المقدمة"), filters=[_clean], validators=[_at_most(1000)])
    body = TextAreaField(_l("النص (Markdown)"), filters=[_clean], validators=[_at_most(200_000)])
    source = StringField(_l("المصدر أو التوقيع"), filters=[_one_line], validators=[_at_most(200)])
    category = StringField(_l("القسم"), filters=[_one_line], validators=[_at_most(80)])
    tags = StringField(_l("الوسوم (مفصولة بفواصل)"), filters=[_clean], validators=[_at_most(500)])
    status = ChoiceField(_l("الحالة"), choices=[(s.value, label) for s, label in STATUS_LABELS.items()],
                         default=ArticleStatus.DRAFT.value)
    publish_at = DateTimeLocalField(_l("تاريخ النشر"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                    validators=[Optional()])
    comments_open = BooleanField(_l("التعليقات مفتوحة"), default=True)
    cover = FileField(_l("صورة الغلاف (JPEG أو PNG أو WebP)"))
    remove_cover = BooleanField(_l("حذف صورة الغلاف"))
    version = HiddenField()

    def validate_publish_at(self, field):
        # A year mistyped ("0026", "20266") would date the article so on every page and feed.
        if field.data and not PUBLISH_YEARS[0] <= field.data.year <= PUBLISH_YEARS[1]:
            raise ValidationError(_l("اكتب تاريخا بين سنة %(first)d وسنة %(last)d.", first=PUBLISH_YEARS[0],
                                     last=PUBLISH_YEARS[1]))

    def validate(self, extra_validators=None):
        """Field checks, then: a scheduled article needs its time."""
        ok = super().validate(extra_validators)
        if self.status.data == ArticleStatus.SCHEDULED.value and self.publish_at.data is None:
            if not self.publish_at.errors:
                self.publish_at.errors = [*self.publish_at.errors, _l("حدد تاريخ ووقت النشر للمقال المجدول.")]
            ok = False
        return ok

    def tag_names(self) -> tuple[str, ...]:
        """The tags typed, split on Latin or Arabic commas, each cleaned and cut to 60 characters; of two spellings
        of one tag (name_key), the first."""
        parts = (self.tags.data or "").replace("،", ",").split(",")
        names: dict[str, str] = {}
        for name in (clean_name(p)[:60] for p in parts):
            if name:
                names.setdefault(name_key(name), name)
        return tuple(names.values())


def _not_spaces_alone(form, field) -> None:
    if not (field.data or "").strip():
        raise ValidationError(_l("كلمة المرور لا تكون فراغات وحدها."))


def _new_password(label) -> PasswordField:
    """A field for a password being chosen: 8 characters at least, not spaces alone (the CLI asks the same)."""
    return PasswordField(label, validators=[
        InputRequired(_l("كلمة المرور مطلوبة.")), Length(min=8, max=512, message=_l("كلمة المرور: 8 أحرف على الأقل.")),
        _not_spaces_alone])


class CategoryForm(Form):
    """A category's new name (its address stays)."""

    name = StringField(_l("الاسم"), filters=[_one_line], validators=[
        DataRequired(_l("اكتب اسم القسم.")), Length(max=80, message=_l("الاسم طويل جدا: 80 حرفا على الأكثر."))])


class StaffForm(Form):
    """A new staff account."""

    email = EmailField(_l("البريد الإلكتروني"), filters=[_strip], validators=[
        InputRequired(_l("البريد الإلكتروني مطلوب.")), _at_most(254)])
    display_name = StringField(_l("الاسم"), filters=[_one_line], validators=[_at_most(NAME_MAX)])
    role = ChoiceField(_l("الدور"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    password = _new_password(_l("كلمة المرور"))

    def validate_email(self, field):
        _normalize_email(field)


class StaffPasswordForm(Form):
    """An admin's new password for a staff member who forgot theirs."""

    password = _new_password(_l("كلمة المرور الجديدة"))


class PasswordForm(Form):
    """A staff member's own new password, given the current one."""

    current = PasswordField(_l("كلمة المرور الحالية"), validators=[
        InputRequired(_l("كلمة المرور الحالية مطلوبة.")), _at_most(512)])
    new = _new_password(_l("كلمة المرور الجديدة"))
    confirm = PasswordField(_l("أعد كتابة كلمة المرور الجديدة"), validators=[
        InputRequired(_l("أعد كتابة كلمة المرور الجديدة.")), EqualTo("new", _l("كلمتا المرور غير متطابقتين."))])


class RoleForm(Form):
    """Change an account's role."""

    role = ChoiceField(_l("الدور"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])


class ExtraRolesForm(Form):
    """Roles an account holds besides its main one."""

    also_editor = BooleanField(_l("يحرر أيضا"))
    also_moderator = BooleanField(_l("يشرف أيضا"))

    def roles(self) -> set[Role]:
        """The additional roles ticked."""
        return {role for role, ticked in ((Role.EDITOR, self.also_editor.data), (Role.MODERATOR, self.also_moderator.data))
                if ticked}


_SEVERITY_CHOICES = [
    (Severity.HOLD.value, _l("تعليق للمراجعة")),
    (Severity.REJECT.value, _l("رفض آلي")),
]


def _has_a_word(form, field) -> None:
    """A term must hold a letter or a digit: blanks, or symbols alone ("*"), are no word to look for."""
    if not any(ch.isalnum() and ch != "\u0640" for ch in field.data or ""):  # tatweel only stretches a word
        raise ValidationError(_l("اكتب الكلمة."))


class TermForm(Form):
    """A new term of the screening lists."""

    text = StringField(_l("الكلمة أو العبارة"), filters=[_strip],
                       validators=[DataRequired(_l("اكتب الكلمة.")), _at_most(120), _has_a_word])
    rule = ChoiceField(_l("القاعدة"), choices=RULE_CHOICES)
    severity = ChoiceField(_l("الدرجة"), choices=_SEVERITY_CHOICES)
    lang = ChoiceField(_l("اللغة"), choices=[
        ("ar", _l("العربية")), ("darija", _l("الدارجة")), ("darija_latn", _l("الدارجة بالحروف اللاتينية")),
        ("fr", _l("الفرنسية")), ("en", _l("الإنجليزية")),
    ])
    stem = BooleanField(_l("جذع: يطابق مع السوابق واللواحق"))


class ModeForm(Form):
    """The site's moderation mode, chosen by an admin."""

    mode = ChoiceField(_l("طريقة الإشراف"), choices=[
        (Mode.PRE.value, _l("قبل النشر: كل تعليق ينتظر مشرفا، إلا التعليق السليم من كاتب معروف")),
        (Mode.POST.value, _l("بعد النشر: التعليق السليم يُنشر فورا، والمشتبه فيه ينتظر مشرفا")),
    ])


class TermToggleForm(Form):
    """Enable or disable a term (CSRF only)."""


class SeverityForm(Form):
    """A term's new severity."""

    severity = ChoiceField(_l("الدرجة"), choices=_SEVERITY_CHOICES)
