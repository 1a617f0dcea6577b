"""Demo content written for the project: articles in the shape of a Moroccan news page."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from .extensions import db
from .models import ActionKind, Article, ArticleStatus, Category, Comment, CommentStatus, ModerationAction
from .moderation.types import Reason

ARTICLES = [
    {
        "slug": "maktabat-al-hay-fes",
        "title": "افتتاح مكتبة حي جديدة بفاس تفتح أبوابها للتلاميذ إلى غاية العاشرة ليلا",
        "lead": "مكتبة عمومية جديدة بحي عين قادوس تستقبل التلاميذ والطلبة في أوقات مسائية ممتدة خلال فترة الامتحانات.",
        "body": (
            "أعلنت جماعة فاس، اليوم الإثنين، عن افتتاح مكتبة عمومية جديدة بحي عين قادوس، تضم أزيد من 12 ألف كتاب"
            " وقاعة للمطالعة تتسع لمائة وعشرين مقعدا، إلى جانب فضاء مخصص للأطفال وركن للحواسيب الموصولة بالإنترنت.\n\n"
            "وأوضح نائب رئيس الجماعة المكلف بالشأن الثقافي، في تصريح صحفي، أن المكتبة ستفتح أبوابها يوميا من التاسعة صباحا"
            " إلى غاية العاشرة ليلا طيلة فترة الامتحانات، استجابة لطلبات جمعيات آباء وأولياء التلاميذ بالحي، الذين اشتكوا"
            " من غياب فضاءات هادئة للمراجعة.\n\n"
            "وأضاف المسؤول ذاته أن المشروع كلف ما يناهز 4,5 ملايين درهم، ساهمت فيه الجماعة ومجلس الجهة وشركاء من القطاع"
            " الخاص، مشيرا إلى أن الانخراط سيكون مجانيا لفائدة التلاميذ والطلبة، ورمزيا بالنسبة لباقي المرتفقين.\n\n"
            "من جهتهم، عبر عدد من سكان الحي عن ارتياحهم لهذه المبادرة، معتبرين أنها ستخفف الضغط على المكتبات الموجودة"
            " بوسط المدينة، وتمنح الشباب بديلا عن قضاء أوقات الفراغ في الشارع.\n\n"
            "ومن المرتقب أن تحتضن المكتبة ابتداء من الشهر المقبل ورشات أسبوعية في القراءة والكتابة الإبداعية، ينشطها"
            " أساتذة متطوعون، إضافة إلى نادٍ للشطرنج وأمسيات شهرية لتقديم الإصدارات الجديدة لكتاب من الجهة."
        ),
        "source": "مراسلة مجلس من فاس",
        "category": ("ثقافة", "thaqafa"),
        "days_ago": 0,
    },
    {
        "slug": "taawuniyat-argan-souss",
        "title": "تعاونيات الأركان بسوس تضاعف صادراتها وتراهن على التجارة الإلكترونية",
        "lead": "نساء التعاونيات يطمحن إلى بيع منتجاتهن مباشرة للزبناء عبر منصات رقمية دون وسطاء.",
        "body": (
            "كشفت معطيات قدمت خلال لقاء جهوي بأكادير أن صادرات تعاونيات الأركان بجهة سوس ماسة ارتفعت بنسبة 40 في المائة"
            " خلال السنة الجارية، مدفوعة بطلب متزايد من أسواق أوروبا وأمريكا الشمالية على الزيوت ومواد التجميل الطبيعية.\n\n"
            "وأكدت رئيسة إحدى التعاونيات بنواحي تارودانت أن النساء المنخرطات أصبحن يتقن تقنيات التصوير والتسويق عبر"
            " الهاتف، بعد دورات تكوينية نظمتها جمعيات محلية، مضيفة أن البيع المباشر يضمن لهن هامش ربح أفضل.\n\n"
            "غير أن المتدخلين نبهوا إلى تحديات ما تزال قائمة، أبرزها توالي سنوات الجفاف وتراجع مردودية شجر الأركان،"
            " إلى جانب صعوبة الولوج إلى خدمات الشحن الدولي بأسعار معقولة.\n\n"
            "ودعا المشاركون في ختام اللقاء إلى إحداث منصة وطنية لتسويق منتجات التعاونيات، وتبسيط مساطر التصدير لفائدة"
            " الوحدات الصغيرة."
        ),
        "source": "مجلس - متابعة",
        "category": ("اقتصاد", "iqtisad"),
        "days_ago": 3,
    },
]

# (author, e-mail, text, status) — one article gets comments in every state. Each is screened by the real engine (its
# hits, score and reasons are in the queue as for any comment); the status is the demo's, to show every state.
COMMENTS = [
    ("سعاد", "souad.demo@example.org", "مبادرة ممتازة، أولادنا كانوا في حاجة إلى مكان هادئ للمراجعة. شكرا للجماعة.", CommentStatus.PUBLISHED),
    ("يونس", "younes.demo@example.org", "نتمنى أن تفتح مكتبات مماثلة في الأحياء الأخرى، وخصوصا في المدينة القديمة.", CommentStatus.PUBLISHED),
    ("Karim", "karim.demo@example.org", "Bravo, wa7ed lmobadara zwina bzaf. Ghadi nmchi nchoufha had sbt.", CommentStatus.PUBLISHED),
    ("مريم", "meryem.demo@example.org", "هل الانخراط مفتوح أيضا لساكنة الأحياء المجاورة؟", CommentStatus.PENDING),
    ("زائر", "visitor.demo@example.org", "شوف هاد الموقع لربح المال بسرعة http://example.com/a http://example.com/b http://example.com/c http://example.com/d", CommentStatus.SPAM),
    ("مجهول", "anon.demo@example.org", "كلام فارغ، المسؤول ديالكم حمار وما كيفهم والو.", CommentStatus.REJECTED),
]

# The demo comments' audit rows also say that their status is the demo's, in each interface language.
_DEMO_REASON = Reason(code="demo", ar="محتوى تجريبي", fr="contenu de démonstration", en="demo content")


def load_demo_content() -> bool:
    """Insert the demo articles and comments when the database has no article; True if it did."""
    if db.session.scalar(select(func.count()).select_from(Article)):
        return False
    from .services.articles import reindex

    now = datetime.now(timezone.utc).replace(microsecond=0)
    articles = []
    for spec in ARTICLES:
        name, slug = spec["category"]
        category = db.session.scalar(select(Category).where(Category.slug == slug)) or Category(name=name, slug=slug)
        article = Article(
            title=spec["title"], slug=spec["slug"], lead=spec["lead"], body=spec["body"], source=spec["source"],
            status=ArticleStatus.PUBLISHED, published_at=now - timedelta(days=spec["days_ago"], hours=2),
            category=category,
        )
        db.session.add(article)
        articles.append(article)
    db.session.flush()
    for article in articles:
        reindex(article)
    first = articles[0]
    from .services.comments import audit_reasons, screened_columns
    from .services.screening import get_screener

    screener = get_screener()
    for i, (name, email, body, status) in enumerate(COMMENTS):
        created = now - timedelta(hours=1) + timedelta(minutes=5 * i)
        verdict = screener.screen(body)
        comment = Comment(
            article_id=first.id, author_name=name, author_email=email, body=body, status=status,
            created_at=created, decided_at=None if status is CommentStatus.PENDING else created,
            **screened_columns(verdict),
        )
        db.session.add(comment)
        db.session.flush()
        db.session.add(
            ModerationAction(
                comment_id=comment.id, action=ActionKind.SCREEN, rule=comment.screen_rules, to_status=status.value,
                **audit_reasons([*verdict.reasons, _DEMO_REASON]), text_snapshot=body, created_at=created,
            )
        )
        if status is CommentStatus.PUBLISHED:
            first.published_comment_count += 1
            first.published_thread_count += 1
    db.session.commit()
    return True
