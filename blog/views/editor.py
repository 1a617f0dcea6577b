"""The editors' desk: write, preview, schedule, publish and restore articles."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import flask_babel
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..forms import STATUS_LABELS, ArticleForm, CategoryForm, CommentForm, EmptyForm
from ..models import ArticleStatus
from ..sanitize import OWN_UPLOAD_RE, foreign_images
from ..security import editor_required
from ..services import articles as article_service
from ..services.comments import ThreadPage
from ..services.errors import ArticleChanged, InvalidImage, NameTaken, NotFound, SlugTaken
from ..services.uploads import MAX_PIXELS, save_image
from . import as_id, date_and_time, list_separator, page_arg, site_time_to_utc

bp = Blueprint("editor", __name__, url_prefix="/desk")

IMAGE_ERRORS = {
    "too_large": lambda: _("الصورة أكبر من الحد المسموح به (%(mb)d ميغابايت).",
                           mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)),
    "not_image": lambda: _("الملف ليس صورة مقبولة: استعمل JPEG أو PNG أو WebP."),
    "too_many_pixels": lambda: _("أبعاد الصورة كبيرة جدا: %(mp)d مليون بكسل على الأكثر.", mp=MAX_PIXELS // 1_000_000),
}


@bp.before_request
@editor_required
def _only_editors():
    """Every route of the desk is for editors (and admins); uploads may be larger here (blog/__init__.py
    _desk_upload_limit)."""


def _submitted(form: ArticleForm) -> bool:
    """The article form sent and valid, its date agreeing with its status: an article published now cannot bear
    a date to come (it would be public at once, dated in the future), and one scheduled cannot bear a date gone
    by (it would be public at once, backdated, with no word to its editor)."""
    if not form.validate_on_submit():
        return False
    when, now = site_time_to_utc(form.publish_at.data), datetime.now(timezone.utc)
    if not when:
        return True
    if form.status.data == ArticleStatus.PUBLISHED.value and when > now + timedelta(minutes=1):
        message = _("هذا التاريخ لم يأت بعد: اختر «مجدول» لينشر المقال في وقته، أو امح التاريخ لينشر الآن.")
    elif form.status.data == ArticleStatus.SCHEDULED.value and when < now - timedelta(minutes=1):
        message = _("هذا التاريخ مضى: اختر وقتا قادما، أو اختر «منشور» لينشر المقال الآن بهذا التاريخ.")
    else:
        return True
    form.publish_at.errors = [*form.publish_at.errors, message]
    return False


def _to_local(moment: datetime | None) -> datetime | None:
    return flask_babel.to_user_timezone(moment).replace(tzinfo=None, second=0, microsecond=0) if moment else None


@bp.get("/")
def index():
    """The editors' list: every article with its status and comment counts, filtered."""
    status = request.args.get("status", "")
    category = request.args.get("category", "")
    filters = article_service.EditorFilters(
        status=ArticleStatus(status) if status in {s.value for s in ArticleStatus} else None,
        category_id=as_id(category),
        text=request.args.get("q", "").strip()[:100],
    )
    rows = article_service.editor_list(filters, page_arg(), current_app.config["EDITOR_ARTICLES_PER_PAGE"])
    uploaded = request.args.get("uploaded", "")  # the image just uploaded: the line of Markdown to copy
    return render_template(
        "editor/index.html", rows=rows, filters=filters, statuses=STATUS_LABELS,
        categories=article_service.categories(),
        uploaded_markdown=f"![]({url_for('public.upload', name=uploaded)})"
        if OWN_UPLOAD_RE.match(f"/uploads/{uploaded}") else "",
    )


def _draft(form: ArticleForm, cover: str | None) -> article_service.ArticleDraft:
    return article_service.ArticleDraft(
        title=form.title.data,
        lead=form.lead.data or "",
        body=form.body.data or "",
        source=form.source.data or "",
        category=form.category.data or "",
        tags=form.tag_names(),
        status=ArticleStatus(form.status.data),
        publish_at=site_time_to_utc(form.publish_at.data),
        comments_open=bool(form.comments_open.data),
        slug=form.slug.data or "",
        cover_image=cover,
        form_token=form.form_token.data or "",
    )


def _cover(form: ArticleForm) -> tuple[bool, str | None]:
    """(ok, cover): the stored upload's name, "" to remove, None to keep; errors go on the form."""
    upload = form.cover.data
    if upload and getattr(upload, "filename", ""):
        try:
            return True, save_image(upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1))
        except InvalidImage as error:
            form.cover.errors = [*form.cover.errors, IMAGE_ERRORS[error.reason]()]
            return False, None
    return True, ("" if form.remove_cover.data else None)


def _current_fields(form: ArticleForm, current) -> list[tuple[str, str, bool]]:
    """The saved version's settings beside the form's, for the conflict page: (label, saved value, differs).
    A save from the form would write every one of them, the other editor's changes to them too."""
    saved_at = _to_local(current.published_at)
    saved_tags = tuple(tag.name for tag in current.tags)
    saved_category = current.category.name if current.category else ""
    return [
        (form.status.label.text, str(STATUS_LABELS[current.status]), form.status.data != current.status.value),
        (form.publish_at.label.text, date_and_time(current.published_at) or "—",
         form.publish_at.data is not None and form.publish_at.data != saved_at),
        (form.category.label.text, saved_category or "—", (form.category.data or "") != saved_category),
        (form.tags.label.text, list_separator().join(saved_tags) or "—", set(form.tag_names()) != set(saved_tags)),
        (form.slug.label.text, current.slug, bool(form.slug.data) and form.slug.data != current.slug),
        (form.source.label.text, current.source or "—", (form.source.data or "") != current.source),
        (form.comments_open.label.text, _("نعم") if current.comments_open else _("لا"),
         bool(form.comments_open.data) != current.comments_open),
    ]


# The form a save came from ("new", or an article's id), for the page that follows: desk-draft.js forgets the text it
# kept for that form (the site reformats what it stores, so the kept text and the page may differ in form only).
_SAVED_FORM = "desk_saved_form"


def _edit_page(form: ArticleForm, article=None, status: int = 200, current=None):
    return render_template(
        "editor/edit.html", form=form, article=article, current=current,
        current_fields=_current_fields(form, current) if current is not None else [],
        categories=article_service.categories(), action_form=EmptyForm(),
        saved_form=session.pop(_SAVED_FORM, None),
    ), status


@bp.route("/articles/new", methods=["GET", "POST"])
def new():
    """Write a new article."""
    form = ArticleForm()
    if not _submitted(form):
        return _edit_page(form, status=422 if form.is_submitted() else 200)
    ok, cover = _cover(form)
    if not ok:
        return _edit_page(form, status=422)
    try:
        article = article_service.create_article(_draft(form, cover), current_user)
    except SlugTaken:
        form.slug.errors = [_("هذا الرابط مستعمل لمقال آخر.")]
        return _edit_page(form, status=409)
    return _saved(article, "new")


def _load(article_id: int):
    try:
        return article_service.editable_article(article_id)
    except NotFound:
        abort(404)


@bp.get("/articles/<int:article_id>/edit")
def edit(article_id: int):
    """The edit form of an article, as last saved."""
    article = _load(article_id)
    form = ArticleForm(obj=article)
    form.status.data = article.status.value
    form.category.data = article.category.name if article.category else ""
    form.tags.data = "، ".join(t.name for t in article.tags)
    form.publish_at.data = _to_local(article.published_at)
    form.version.data = str(article.version)
    return _edit_page(form, article)


@bp.post("/articles/<int:article_id>/edit")
def save(article_id: int):
    """Save an article; if another editor saved first, say so and keep this editor's text."""
    article = _load(article_id)
    form = ArticleForm()
    if not _submitted(form):
        return _edit_page(form, article, status=422)
    ok, cover = _cover(form)
    if not ok:
        return _edit_page(form, article, status=422)
    seen = as_id(form.version.data) or 0
    try:
        article = article_service.update_article(article_id, _draft(form, cover), current_user, seen)
    except ArticleChanged as changed:
        form.version.data = str(changed.article.version)
        flash(_("عدّل محرر آخر هذا المقال بعد أن فتحته. نصك محفوظ أدناه ولم يُسجَّل بعد: قارنه بالنسخة الحالية ثم احفظ من جديد."), "warning")
        return _edit_page(form, changed.article, status=409, current=changed.article)
    except SlugTaken:
        form.slug.errors = [_("هذا الرابط مستعمل لمقال آخر.")]
        return _edit_page(form, article, status=409)
    return _saved(article, str(article_id))


def _saved(article, form_key: str):
    """Back to the article's form, saying it is saved, and which of its images readers will not see (the site
    loads nothing from other sites, so that no reader's data reaches them)."""
    flash(_("تم حفظ المقال."), "success")
    session[_SAVED_FORM] = form_key
    dropped = foreign_images(article.body)
    if dropped:
        flash(_("هذه الصور لا تظهر في المقال لأنها من مواقع أخرى: %(sources)s. ارفعها من مكتب التحرير ثم الصق سطرها في النص.",
                sources=list_separator().join(dropped[:5]) + ("…" if len(dropped) > 5 else "")), "warning")
    return redirect(url_for("editor.edit", article_id=article.id), code=303)


@bp.get("/articles/<int:article_id>/preview")
def preview(article_id: int):
    """The saved article exactly as readers will see it, whatever its status."""
    return _preview_page(_load(article_id))


@bp.post("/articles/new/preview")
@bp.post("/articles/<int:article_id>/preview")
def preview_unsaved(article_id: int | None = None):
    """The form's text as readers would see it, before it is saved (the form's second button, in a tab of its own);
    nothing is written. A form that would not save comes back with its errors, as a save would."""
    article = _load(article_id) if article_id else None
    form = ArticleForm()
    if not _submitted(form):
        return _edit_page(form, article, status=422)
    shown = article_service.preview(_draft(form, "" if form.remove_cover.data else None), article)
    return _preview_page(shown, unsaved=True)


def _preview_page(article, unsaved: bool = False):
    """The article page without its comments or neighbours, marked as a preview (not indexed, not cached)."""
    empty = ThreadPage(items=[], prev=None, next=None)
    return render_template(
        "public/article.html", article=article, thread=empty, own=[], form=CommentForm(formdata=None), preview=True,
        unsaved=unsaved, neighbours=article_service.Neighbours(),
    )


@bp.get("/articles/<int:article_id>/revisions")
def revisions(article_id: int):
    """Every saved revision of an article, with a button to restore each."""
    article = _load(article_id)
    revisions = article_service.revisions(article_id)
    return render_template(
        "editor/revisions.html", article=article, revisions=revisions,
        changes=article_service.revision_changes(revisions), form=EmptyForm(),
    )


@bp.post("/articles/<int:article_id>/revisions/<int:revision_id>/restore")
def restore(article_id: int, revision_id: int):
    """Make a former revision's text the current text again."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        article_service.restore_revision(article_id, revision_id, current_user)
    except NotFound:
        abort(404)
    flash(_("تمت استعادة النسخة."), "success")
    return redirect(url_for("editor.edit", article_id=article_id), code=303)


def _categories_page(renamed: tuple[int, CategoryForm] | None = None, status: int = 200):
    """The desk's categories; `renamed`: the one whose name was refused, with the form as it was sent."""
    return render_template(
        "editor/categories.html", rows=article_service.category_rows(), renamed=renamed, form=EmptyForm(),
    ), status


@bp.get("/categories")
def categories():
    """Every category with its articles counted, to rename, merge or delete."""
    return _categories_page()


@bp.post("/categories/<int:category_id>")
def rename_category(category_id: int):
    """A category's new name: every page naming it follows; its address stays."""
    form = CategoryForm()
    if not form.validate_on_submit():
        return _categories_page((category_id, form), 422)
    try:
        category = article_service.rename_category(category_id, form.name.data)
    except NotFound:
        abort(404)
    except NameTaken:
        form.name.errors = [_("يوجد قسم بهذا الاسم. لضم مقالات هذا القسم إليه، احذف هذا القسم واختره.")]
        return _categories_page((category_id, form), 409)
    flash(_("تم تغيير اسم القسم إلى «%(name)s».", name=category.name), "success")
    return redirect(url_for("editor.categories"), code=303)


@bp.post("/categories/<int:category_id>/delete")
def delete_category(category_id: int):
    """Delete a category, once its box is ticked (a deleted category cannot be brought back); its articles move
    to another one (a merge) or to none."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "y":  # a browser that lets the unticked box through
        flash(_("لم يُحذف القسم: حدد مربع التأكيد ثم أعد الضغط على «حذف القسم»."), "warning")
        return redirect(url_for("editor.categories", _anchor=f"category-{category_id}"), code=303)
    try:
        moved = article_service.delete_category(category_id, as_id(request.form.get("move_to", "")))
    except NotFound:
        abort(404)
    message = _("تم حذف القسم.")
    if moved:
        message += " " + ngettext("نُقل مقال واحد.", "نُقلت %(num)d مقالات.", moved)
    flash(message, "success")
    return redirect(url_for("editor.categories"), code=303)


@bp.post("/images")
def upload_image():
    """Upload an image for an article's body; the page gives its Markdown to paste."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        flash(_("اختر صورة."), "warning")
        return redirect(url_for("editor.index"), code=303)
    try:
        name = save_image(upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1))
    except InvalidImage as error:
        flash(IMAGE_ERRORS[error.reason](), "warning")
        return redirect(url_for("editor.index"), code=303)
    flash(_("رُفعت الصورة. انسخ سطرها أدناه في نص المقال."), "success")
    return redirect(url_for("editor.index", uploaded=name, _anchor="upload"), code=303)
