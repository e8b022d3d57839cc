"""Page types on small hand-written pages: each kind a crawl meets, told from its markup by structure."""

from __future__ import annotations

import json

from selectolax.lexbor import LexborHTMLParser

from scraper.extract import extract
from scraper.extract.metadata import Metadata
from scraper.extract.pagetype import markup_counts, with_second_text
from scraper.models import PageType
from tests.extract.prose import COUNCIL_STORY

PROSE = COUNCIL_STORY


def shell(body: str, head: str = "", title: str = "A page") -> str:
    return f"""<!doctype html><html lang="en"><head><title>{title}</title>{head}</head><body>
<header><a href="/">Daily Courier</a><nav><a href="/news">News</a> <a href="/sport">Sport</a>
<a href="/about">About us</a></nav></header>
{body}
<footer><p>Copyright 2026 Daily Courier. All rights reserved.</p></footer></body></html>"""


def json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_an_article_with_full_metadata_is_an_article() -> None:
    head = json_ld(
        {"@type": "NewsArticle", "headline": "Council backs bike lanes", "datePublished": "2026-03-05"}
    )
    head += '<meta property="og:type" content="article">'
    body = "<article><h1>Council backs bike lanes</h1>" + "".join(f"<p>{p}</p>" for p in PROSE) + "</article>"
    assert extract(shell(body, head)).page_type == PageType.ARTICLE


def test_an_article_with_weak_metadata_stays_an_article() -> None:
    # No JSON-LD, no og:type, no byline, no date: the prose alone makes it one (a real article is never
    # dropped lightly).
    body = "<div class='content'><h1>Council backs bike lanes</h1>" + "".join(f"<p>{p}</p>" for p in PROSE)
    body += "</div>"
    assert extract(shell(body)).page_type == PageType.ARTICLE


def teaser(number: int) -> str:
    return (
        f'<div class="card"><h3><a href="/news/story-{number}">Story number {number} about the city council '
        f"and its plans</a></h3><p>A short summary of the story, cut off here…</p>"
        f"<span>March {number}, 2026</span></div>"
    )


def test_a_list_of_teaser_cards_is_a_listing() -> None:
    body = "<main><h1>Local news</h1><div class='grid'>" + "".join(teaser(n) for n in range(1, 16)) + "</div>"
    body += "</main>"
    assert extract(shell(body, title="Local news")).page_type == PageType.LISTING


def post(number: int, author: str) -> str:
    return (
        f'<div class="post" id="post-{number}"><div class="meta"><span itemprop="author">{author}</span>'
        f'<time datetime="2026-03-0{number % 9 + 1}T10:00:00Z">March {number % 9 + 1}</time></div>'
        f"<div class='body'><p>{PROSE[number % len(PROSE)]}</p></div></div>"
    )


def test_a_forum_thread_is_a_forum_page() -> None:
    authors = ["alice", "bob42", "carol_w", "dave", "erin"]
    posts = "".join(post(n, authors[n % len(authors)]) for n in range(8))
    body = f"<main><h1>Bike lanes downtown: good idea?</h1>{posts}</main>"
    assert extract(shell(body, title="Bike lanes downtown")).page_type == PageType.FORUM


def test_a_product_page_with_json_ld_product_is_a_product_page() -> None:
    head = json_ld(
        {
            "@type": "Product",
            "name": "Wool runner",
            "offers": {"@type": "Offer", "price": "98.00", "priceCurrency": "USD"},
        }
    )
    body = (
        "<main><h1>Wool runner</h1><p class='price'>$98</p>"
        "<form action='/cart/add'><select name='size'><option>9</option></select>"
        "<button>Add to cart</button></form>"
        f"<div class='description'><p>{PROSE[0]}</p></div></main>"
    )
    assert extract(shell(body, head, title="Wool runner")).page_type == PageType.PRODUCT


def test_a_documentation_page_full_of_code_is_documentation() -> None:
    sections = "".join(
        f"<h2 id='s{n}'>Step {n}</h2><p>Call <code>open_store()</code> with the <code>dsn</code> of the "
        f"database, then <code>migrate()</code> it.</p><pre><code>store = open_store('db{n}')\n"
        f"store.migrate()</code></pre>"
        for n in range(12)
    )
    body = f"<div class='sidebar'><a href='/api'>API</a></div><main><h1>Quickstart</h1>{sections}</main>"
    assert extract(shell(body, title="Quickstart")).page_type == PageType.DOCUMENTATION


def test_a_login_page_is_a_service_page() -> None:
    # The line under the headline is the page's own text: without it, all the unlinked text this shell
    # had besides the form's labels was its footer's copyright line, which a footer no longer lends.
    body = (
        "<main><h1>Sign in</h1><p>Sign in to manage your subscription and newsletters.</p>"
        "<form method='post' action='/login'>"
        "<label>E-mail <input type='email' name='email'></label>"
        "<label>Password <input type='password' name='password'></label>"
        "<button>Sign in</button></form><p><a href='/reset'>Forgot your password?</a></p></main>"
    )
    assert extract(shell(body, title="Sign in")).page_type == PageType.SERVICE


def test_an_article_with_a_comment_form_and_a_login_box_stays_an_article() -> None:
    # Article pages often carry a login box and a comment form: neither outweighs the prose and the byline.
    head = '<meta property="article:published_time" content="2026-03-05T10:00:00Z">'
    body = (
        "<div class='login'><input type='password' name='pw'></div>"
        "<article><h1>Council backs bike lanes</h1><p class='byline'>By Jane Smith</p>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "</article><form class='comment-form'><textarea name='comment'></textarea></form>"
    )
    assert extract(shell(body, head)).page_type == PageType.ARTICLE


def test_an_empty_page_is_unknown() -> None:
    assert extract("").page_type == PageType.UNKNOWN


def test_a_short_dated_signed_story_under_a_title_slug_is_an_article() -> None:
    # Two paragraphs, a date and a byline: too little prose and metadata alone, but the URL's last segment
    # is the headline made a slug, which a section, search or service page's URL is not.
    head = '<meta name="author" content="Jane Smith"><meta name="date" content="2026-03-05">'
    body = "<main><h1>Council backs bike lanes</h1>" + "".join(f"<p>{p}</p>" for p in PROSE[:2]) + "</main>"
    url = "https://courier.example/local/council-backs-bike-lanes-after-long-debate/"
    assert extract(shell(body, head), url).page_type == PageType.ARTICLE
    assert extract(shell(body, head), "https://courier.example/local/").page_type != PageType.ARTICLE


def landing_page(buttons: int = 24) -> str:
    head = '<meta property="og:type" content="website">'
    controls = "".join(f"<button>Option {n}</button>" for n in range(buttons))
    body = (
        f"<main><h1>Plumbing you can count on</h1><div class='menu'>{controls}</div>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "</main>"
    )
    return shell(body, head, title="Plumbing you can count on")


def test_a_site_home_page_of_prose_is_not_an_article() -> None:
    # The site's root: its front or landing page, whatever prose it carries.
    assert extract(landing_page(buttons=0), "https://plumbing.example/").page_type != PageType.ARTICLE


def test_an_unsigned_undated_page_of_many_controls_is_a_service_page() -> None:
    # No article metadata at all, og:type "website", a page full of buttons, a short URL: a landing page.
    page = landing_page()
    assert extract(page, "https://plumbing.example/services/emergency").page_type == PageType.SERVICE
    # The same page under a headline slug is read as the article it may be.
    url = "https://plumbing.example/blog/why-pipes-burst-in-a-cold-winter"
    assert extract(page, url).page_type == PageType.ARTICLE


def test_a_dated_article_full_of_code_stays_an_article() -> None:
    # A dated, signed post about code holds dozens of snippets; a manual page is rarely dated and signed.
    head = '<meta name="author" content="Jane Smith"><meta name="date" content="2026-03-05">'
    head += '<meta property="og:type" content="article">'
    sections = "".join(
        f"<h2>Part {n}</h2><p>{PROSE[n % len(PROSE)]} We call <code>open_store()</code> and "
        f"<code>migrate()</code> here.</p><pre><code>store = open_store('db{n}')</code></pre>"
        for n in range(16)
    )
    body = f"<article><h1>What I learnt porting our store</h1>{sections}</article>"
    assert extract(shell(body, head), "https://blog.example/post/store").page_type == PageType.ARTICLE


def test_a_long_article_beside_many_related_teasers_stays_an_article() -> None:
    # A long article of many paragraphs with a rail of related stories: the teasers do not make it a listing.
    body = (
        "<article><h1>Council backs bike lanes</h1>"
        + "".join(f"<p>{PROSE[n % 6]} {PROSE[(n + 1 + n // 6) % 6]}</p>" for n in range(12))
        + "</article><div class='grid'><h2>More news</h2>"
        + "".join(teaser(n) for n in range(1, 15))
        + "</div>"
    )
    assert extract(shell(body), "https://courier.example/local/bikes").page_type == PageType.ARTICLE


def test_an_unsigned_undated_page_of_prices_is_not_an_article() -> None:
    # og:type "website" and amounts of money all over (plans, offers, a shop's range) under a short
    # address, with nothing that speaks for an article: a landing or shop page. Currency symbols are read,
    # not words, so it holds in any language.
    head = '<meta property="og:type" content="website">'
    plans = "".join(f"<li><p>{PROSE[n]}</p><p>€{n * 9},99 / month</p></li>" for n in range(6))
    body = f"<main><h1>Our plans</h1><ul>{plans}</ul></main>"
    assert extract(shell(body, head), "https://isp.example/plans").page_type != PageType.ARTICLE
    url = "https://isp.example/blog/why-our-plans-cost-what-they-cost"
    assert extract(shell(body, head), url).page_type == PageType.ARTICLE


def test_a_thread_of_microdata_comments_is_a_forum_page_despite_its_article_metadata() -> None:
    # A forum's server-rendered thread: the topic's own publication time, date and starter in the head,
    # then one schema.org Comment per post, each credited to its poster.
    head = '<meta property="article:published_time" content="2026-03-05T10:00:00Z">'
    head += '<meta name="author" content="alice">'
    posts = "".join(
        f'<div itemscope itemtype="http://schema.org/Comment"><span itemprop="author">{name}</span>'
        f'<div itemprop="text"><p>{PROSE[n]}</p></div></div>'
        for n, name in enumerate(["alice", "bob42", "carol_w", "dave"])
    )
    body = f"<main><h1>Bike lanes downtown: good idea?</h1>{posts}</main>"
    url = "https://forum.example/t/bike-lanes-downtown/1234"
    assert extract(shell(body, head, title="Bike lanes downtown"), url).page_type == PageType.FORUM


def test_a_thin_page_with_no_other_evidence_is_unknown_not_a_product() -> None:
    # A photo story whose text is one caption: thinness alone says what the page is not, not what it is,
    # so it is kept as unknown rather than dropped under a guessed kind.
    body = (
        "<main><h1>Spring at the lake</h1><figure><img src='/lake.jpg' alt=''>"
        "<figcaption>The first warm day at the lake.</figcaption></figure></main>"
    )
    assert extract(shell(body), "https://courier.example/photos/spring").page_type == PageType.UNKNOWN


# German, French, Spanish, Italian, Portuguese and Japanese prose for the pages below: the rules read
# structure and standard vocabularies, never the page's wording.
PROSE_DE = [
    "Der Stadtrat hat am Dienstag beschlossen, das Netz geschützter Radwege in der gesamten Innenstadt "
    "auszubauen, nach einer Debatte, die bis spät in den Abend dauerte und viele Anwohner anzog.",
    "Die Befürworter sagten, der Plan, der in drei Jahren etwa vier Millionen Euro kostet, mache die "
    "Straßen sicherer für Kinder auf dem Schulweg und für die wachsende Zahl der Pendler auf dem Rad.",
]
PROSE_FR = (
    "Nous avons migré notre base de données vers le nouveau moteur de stockage cet hiver, et voici ce que "
    "nous avons appris en chemin, étape par étape, avec les commandes exactes que nous avons lancées."
)
PROSE_ES = (
    "En esta guía explicamos cómo configurar el servidor desde cero, qué opciones conviene cambiar y por "
    "qué, con los comandos exactos que usamos en producción y los errores que encontramos por el camino."
)
PROSE_IT = (
    "Una scarpa da corsa leggera e traspirante, realizzata in lana merino, pensata per chi cammina molto in "
    "città e vuole restare comodo tutto il giorno, con una suola in gomma naturale che dura a lungo."
)
PROSE_PT = (
    "Alguém sabe se as novas ciclovias do centro vão mesmo abrir na primavera? Eu pedalo todos os dias "
    "para o trabalho e gostaria de saber quais ruas serão fechadas durante as obras e por quanto tempo."
)
PROSE_PL = [
    "Czy ktoś wie, kiedy naprawdę otworzą nowe ścieżki rowerowe w centrum? Jeżdżę codziennie do pracy i "
    "chciałbym wiedzieć, które ulice będą zamknięte w czasie budowy i jak długo to potrwa.",
    "Z tego, co pisał urząd miasta, pierwsza część ma być gotowa wiosną, a reszta dopiero jesienią, ale "
    "terminy już raz przesunięto, więc nie liczyłbym na to zbyt mocno przed latem.",
]
PROSE_JA = (
    "このページでは、データベースへの接続方法と、接続を安全に閉じる方法を説明します。まず設定ファイルに"
    "接続先を書き、次に関数を呼び出して接続を開きます。終わったら必ず接続を閉じてください。"
)


def test_article_metadata_over_a_page_without_prose_is_unknown_not_an_article() -> None:
    # A page whose text comes by script (a shell), or a CMS section page marked "article" like every page:
    # the metadata says article, but the body holds next to none of the page's text as prose. Kept as
    # unknown (stored by the run), not called an article on the metadata's word alone.
    head = json_ld({"@type": "NewsArticle", "headline": "Radwege", "datePublished": "2026-03-05"})
    head += '<meta property="og:type" content="article">'
    head += '<meta property="article:published_time" content="2026-03-05T10:00:00Z">'
    menu = "".join(f'<li><a href="/ressort/{n}">Ressort Nummer {n}</a></li>' for n in range(20))
    body = f"<nav><ul>{menu}</ul></nav><div id='app'><noscript>Bitte JavaScript aktivieren.</noscript></div>"
    page = shell(body, head, title="Radwege in der Innenstadt")
    assert extract(page, "https://zeitung.example/lokal/radwege").page_type == PageType.UNKNOWN
    # The same metadata over the story's prose is an article.
    story = shell("<article><h1>Radwege</h1>" + "".join(f"<p>{p}</p>" for p in PROSE_DE) + "</article>", head)
    assert extract(story, "https://zeitung.example/lokal/radwege").page_type == PageType.ARTICLE


def code_sections(text: str, count: int) -> str:
    return "".join(
        f"<h2>Paso {n}</h2><p>{text} <code>open_store()</code>, <code>migrate()</code>.</p><p>{text}</p>"
        f"<pre><code>store = open_store('db{n}')\nstore.migrate()</code></pre>"
        for n in range(count)
    )


def test_a_dated_programmers_post_full_of_code_is_an_article_on_a_tie() -> None:
    # A date and og:type "article" (2 points) against code everywhere (3, a point less for the date): code
    # says what a page holds, not what it is, so on a tie the dated post stays an article.
    head = '<meta name="date" content="2026-03-05"><meta property="og:type" content="article">'
    body = f"<article><h1>Cómo migramos el almacén</h1>{code_sections(PROSE_ES, 16)}</article>"
    url = "https://blog.example/2026/03/como-migramos-el-almacen"
    assert extract(shell(body, head), url).page_type == PageType.ARTICLE


def test_a_tech_article_full_of_code_is_documentation() -> None:
    # schema.org's TechArticle ("how-to topics, step-by-step, specifications") is documentation's own
    # type, not a news or blog article's: with the code of a manual it outweighs the date.
    head = json_ld({"@type": "TechArticle", "headline": "接続", "datePublished": "2026-03-05"})
    body = f"<main><h1>データベースへの接続</h1>{code_sections(PROSE_JA, 16)}</main>"
    page = shell(body, head, title="データベースへの接続")
    assert extract(page, "https://docs.example/ja/guide/connect").page_type == PageType.DOCUMENTATION


def test_a_product_page_a_cms_marks_an_article_is_a_product_page() -> None:
    # schema.org Product names what the page is; og:type "article", a date and a byline are what many
    # CMSs write on every page (3 points): the Product's 3 win the tie.
    offer = {"@type": "Offer", "price": "98"}
    head = json_ld({"@type": "Product", "name": "Scarpa in lana", "offers": offer})
    head += '<meta property="og:type" content="article"><meta name="author" content="Negozio">'
    head += '<meta name="date" content="2026-03-05">'
    body = f"<main><h1>Scarpa in lana</h1><p>{PROSE_IT}</p><p>{PROSE_IT}</p></main>"
    page = shell(body, head, title="Scarpa in lana")
    assert extract(page, "https://negozio.example/scarpe/scarpa").page_type == PageType.PRODUCT


def test_a_thread_marked_as_a_discussion_forum_posting_is_a_forum_page() -> None:
    # schema.org DiscussionForumPosting is a forum's own type; it outweighs the article-like metadata the
    # forum software writes for the topic (og:type "article", date, starter, a headline slug: 4 points).
    head = json_ld({"@type": "DiscussionForumPosting", "headline": "Ciclovias", "author": "ana"})
    head += '<meta property="og:type" content="article"><meta name="author" content="ana">'
    head += '<meta name="date" content="2026-03-05">'
    posts = "".join(f"<div class='post'><p>{PROSE_PT}</p></div>" for _ in range(3))
    body = f"<main><h1>As novas ciclovias do centro vão abrir?</h1>{posts}</main>"
    url = "https://forum.example/t/77/as-novas-ciclovias-do-centro-vao-abrir"
    assert extract(shell(body, head, title="Ciclovias"), url).page_type == PageType.FORUM


def test_a_short_unsigned_page_with_a_form_is_unknown_not_a_service_page() -> None:
    # A short page with no article metadata and a form (a newsletter box, a search field): nearly every
    # page has one, articles included, so it is too weak to drop the page as a service page.
    text = (
        "De gemeenteraad heeft dinsdag besloten het net van beschermde fietspaden in de hele binnenstad uit "
        "te breiden, na een debat dat tot laat in de avond duurde en veel bewoners trok."
    )
    body = (
        f"<main><h1>Fietspaden in de binnenstad</h1><p>{text}</p><p>{text}</p>"
        "<form action='/nieuwsbrief'><input type='email' name='email'><button>Aanmelden</button></form>"
        "</main>"
    )
    page = shell(body, title="Fietspaden in de binnenstad")
    assert extract(page, "https://krant.example/fietspaden").page_type == PageType.UNKNOWN


def test_the_headline_slug_is_read_from_the_canonical_url_of_an_amp_or_print_copy() -> None:
    # A short dated, signed story (Swedish) reached under an address without its slug (an AMP copy, a
    # print view, an ID link): its canonical URL still carries the headline made a slug.
    text = (
        "Kommunfullmäktige beslutade på tisdagen att bygga ut nätet av skyddade cykelbanor i hela "
        "innerstaden, efter en debatt som pågick till sent på kvällen och lockade många invånare."
    )
    head = '<meta name="author" content="Anna Berg"><meta name="date" content="2026-03-05">'
    head += (
        '<link rel="canonical" href="https://tidning.example/lokalt/kommunen-bygger-ut-cykelbanorna-i-stan">'
    )
    body = f"<main><h1>Kommunen bygger ut cykelbanorna</h1><p>{text}</p><p>{text}</p></main>"
    page = shell(body, head, title="Kommunen bygger ut cykelbanorna")
    assert extract(page, "https://tidning.example/amp/48213").page_type == PageType.ARTICLE
    # A canonical link wrongly set to the site's root does not make the story a front page.
    broken = page.replace("lokalt/kommunen-bygger-ut-cykelbanorna-i-stan", "")
    url = "https://tidning.example/lokalt/kommunen-bygger-ut-cykelbanorna-i-stan"
    assert extract(broken, url).page_type == PageType.ARTICLE


def test_a_page_left_unknown_for_want_of_prose_is_an_article_when_the_fallback_finds_it() -> None:
    # The own blocks found no prose under strong article metadata (unknown); the fallback's text, which
    # is what gets stored, is the article's prose: the page is the article its metadata says it is.
    meta = Metadata(og_type="article", published_time=True, date="2026-03-05", author="Jane Smith")
    url = "https://courier.example/local/council-backs-bike-lanes-after-long-debate"
    story = "\n\n".join(PROSE)
    assert with_second_text(PageType.UNKNOWN, meta, url, story) == PageType.ARTICLE
    assert with_second_text(PageType.UNKNOWN, meta, url, PROSE[0]) == PageType.UNKNOWN  # still no article
    assert with_second_text(PageType.UNKNOWN, Metadata(), url, story) == PageType.UNKNOWN  # no metadata
    assert with_second_text(PageType.LISTING, meta, url, story) == PageType.LISTING  # a kind stays


def test_markup_counts_measure_the_text_of_closed_dialogs_only() -> None:
    page = (
        "<html><body><p>Article text.</p><dialog><p>Sign up now</p><button>OK</button></dialog>"
        "<dialog open><p>Shown to the reader</p></dialog></body></html>"
    )
    assert markup_counts(LexborHTMLParser(page)).closed_dialog_chars == len("SignupnowOK")


def service_page(head: str, prose: list[str], title: str) -> str:
    # A WordPress-like service page: og:type "article" and a date on every page of the site (2 points),
    # and several paragraphs of prose, which alone would read as an article.
    head += '<meta property="og:type" content="article"><meta name="date" content="2026-03-05">'
    paragraphs = "".join(f"<p>{prose[n % len(prose)]} {prose[(n + 1) % len(prose)]}</p>" for n in range(6))
    return shell(f"<main><h1>{title}</h1>{paragraphs}</main>", head, title=title)


def test_a_page_marked_as_a_schema_org_service_is_a_service_page() -> None:
    # schema.org Service ("a service provided by an organization") names what the page is, as Product
    # does; the og:type "article" and date the CMS writes on every page do not outweigh it.
    head = json_ld({"@type": "Service", "name": "Radwegeplanung", "provider": {"@type": "Organization"}})
    page = service_page(head, PROSE_DE, "Radwegeplanung für Gemeinden")
    assert extract(page, "https://planer.example/leistungen/radwege").page_type == PageType.SERVICE


def test_a_page_with_an_offer_catalog_is_a_service_page() -> None:
    # A moving company's page (French): its LocalBusiness lists its offers in an OfferCatalog.
    catalog = {"@type": "OfferCatalog", "name": "Déménagements", "itemListElement": []}
    head = json_ld({"@type": "LocalBusiness", "name": "Déménageurs", "hasOfferCatalog": catalog})
    page = service_page(head, [PROSE_FR, PROSE_ES], "Déménagement à Lyon")
    assert extract(page, "https://demenageurs.example/lyon").page_type == PageType.SERVICE


def test_an_article_about_a_service_stays_an_article() -> None:
    # A news story's own type and published time (4 points and more) outweigh a Service item it carries.
    head = json_ld({"@type": "NewsArticle", "headline": "Radwege", "datePublished": "2026-03-05"})
    head += json_ld({"@type": "Service", "name": "Radwegeplanung"})
    head += '<meta property="article:published_time" content="2026-03-05T10:00:00Z">'
    page = service_page(head, PROSE_DE, "Die Stadt plant neue Radwege")
    url = "https://zeitung.example/lokal/die-stadt-plant-neue-radwege-im-zentrum"
    assert extract(page, url).page_type == PageType.ARTICLE


def test_a_declared_tech_article_wins_a_tie_against_its_dates_and_byline() -> None:
    # A manual's generator writes TechArticle (2), a date and an author on each page (2): the declared
    # type says what the page is, and wins the tie, as a Product or a forum's type does. A dated post of
    # the same code without the type stays an article (test above: code alone must outweigh).
    head = json_ld({"@type": "TechArticle", "headline": "Réseau", "author": "Équipe docs"})
    head += '<meta name="date" content="2026-03-05"><meta name="author" content="Équipe docs">'
    body = f"<main><h1>Le réseau entre conteneurs</h1>{code_sections(PROSE_FR, 4)}</main>"
    page = shell(body, head, title="Le réseau entre conteneurs")
    assert extract(page, "https://docs.example/fr/reseau").page_type == PageType.DOCUMENTATION
    head = '<meta name="date" content="2026-03-05"><meta name="author" content="Équipe docs">'
    page = shell(body, head, title="Le réseau entre conteneurs")
    assert extract(page, "https://docs.example/fr/reseau").page_type == PageType.ARTICLE


def test_a_thread_marked_as_a_microdata_discussion_forum_posting_is_a_forum_page() -> None:
    # Forum software that marks its posts up in the HTML writes the thread itself as a microdata
    # DiscussionForumPosting: the forum's own type, as in JSON-LD, outweighs the topic's publication time,
    # og:type "article", date and headline slug (5 points) with its posters' credited comments.
    head = '<meta property="article:published_time" content="2026-03-05T10:00:00Z">'
    head += '<meta property="og:type" content="article"><meta name="date" content="2026-03-05">'
    comments = "".join(
        f'<li itemprop="comment" itemscope itemtype="http://schema.org/Comment">'
        f'<span itemprop="author">{name}</span><div itemprop="text"><p>{text}</p></div></li>'
        for name, text in [("kasia", PROSE_PL[0]), ("tomek", PROSE_PL[1]), ("ola", PROSE_PL[0])]
    )
    body = (
        '<main itemscope itemtype="https://schema.org/DiscussionForumPosting">'
        f'<h1 itemprop="headline">Nowe ścieżki rowerowe w centrum</h1><ul>{comments}</ul></main>'
    )
    url = "https://forum.example/topic/4321/nowe-sciezki-rowerowe-w-centrum-miasta"
    assert extract(shell(body, head, title="Ścieżki rowerowe"), url).page_type == PageType.FORUM


PROSE_NL = (
    "Automatische horloges winden zichzelf op door de beweging van de pols, zodat je ze nooit hoeft op te "
    "winden zolang je ze draagt; hieronder vind je onze hele collectie, van klassiek tot sportief."
)


def test_a_page_marked_as_a_microdata_collection_page_is_not_an_article() -> None:
    # A shop's category page (Dutch) whose own microdata item is a CollectionPage: the page's type, as in
    # JSON-LD, says listing, though its paragraphs of copy would read as an article.
    paragraphs = "".join(f"<p>{PROSE_NL} {PROSE_NL}</p>" for _ in range(6))
    body = (
        '<main itemscope itemtype="https://schema.org/CollectionPage">'
        f"<h1 itemprop='name'>Automatische horloges</h1>{paragraphs}</main>"
    )
    page = shell(body, title="Automatische horloges")
    assert extract(page, "https://horloges.example/automatische-horloges").page_type == PageType.LISTING


def test_microdata_items_that_mark_parts_of_an_article_leave_it_an_article() -> None:
    # An ItemList (like a BlogPosting teaser) marks a part of a page, not the page: an article holding one
    # stays an article (only the WebPage kinds and a forum's thread name the page).
    items = "".join(f'<li itemprop="itemListElement">{text}</li>' for text in PROSE_DE)
    body = (
        f"<article><h1>Radwege</h1><p>{PROSE[0]}</p>"
        f'<ol itemscope itemtype="https://schema.org/ItemList">{items}</ol>'
        + "".join(f"<p>{text}</p>" for text in PROSE[1:])
        + "</article>"
    )
    page = shell(body, '<meta property="og:type" content="article">', title="Radwege")
    url = "https://zeitung.example/lokal/der-stadtrat-baut-die-radwege-aus"
    assert extract(page, url).page_type == PageType.ARTICLE


def site_menu(links: int, prefix: str = "/bereich") -> str:
    """A big site's menus: mega-menu and footer columns, `links` links in all."""
    items = "".join(f'<li><a href="{prefix}/{n}">Bereich {n}</a></li>' for n in range(links))
    return f"<nav><ul>{items}</ul></nav>"


def hub_page(paragraphs: list[str], links: int, head: str = "", title: str = "Beratung") -> str:
    """A page of a big site: its menus of `links` links around a few paragraphs under a headline."""
    text = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return shell(f"{site_menu(links)}<main><h1>{title}</h1>{text}</main>", head, title=title)


def test_a_few_paragraphs_amid_a_big_sites_menus_are_not_an_article() -> None:
    # A service, department or hub page of a big site: three paragraphs of prose, enough characters to read
    # as an article, but inside menus of 160 links and with nothing that speaks for an article (no type,
    # date, byline, headline slug). Kept as unknown, not called an article. German, French, Spanish.
    paragraphs = [f"{PROSE_DE[0]} {PROSE_DE[1]}", f"{PROSE_FR} {PROSE_ES}", f"{PROSE_DE[1]} {PROSE_FR}"]
    page = hub_page(paragraphs, links=160)
    assert extract(page, "https://stadt.example/verwaltung/beratung").page_type != PageType.ARTICLE
    # The same text in a small site's menus reads as the article it may be.
    assert (
        extract(hub_page(paragraphs, links=40), "https://stadt.example/beratung").page_type
        == PageType.ARTICLE
    )


def test_a_short_story_with_article_metadata_amid_a_big_sites_menus_stays_an_article() -> None:
    # A news brief of three paragraphs on a big news site: its own type and published time say article.
    head = json_ld({"@type": "NewsArticle", "headline": "Radwege", "datePublished": "2026-03-05"})
    head += '<meta property="article:published_time" content="2026-03-05T10:00:00Z">'
    paragraphs = [f"{PROSE[0]} {PROSE[1]}", f"{PROSE[2]} {PROSE[3]}", f"{PROSE[4]} {PROSE[5]}"]
    page = hub_page(paragraphs, links=300, head=head, title="Council backs bike lanes")
    assert extract(page, "https://courier.example/local/bikes").page_type == PageType.ARTICLE


def test_a_long_unsigned_story_amid_a_big_sites_menus_stays_an_article() -> None:
    # Prose of many paragraphs (a long article's: ten) is an article's body whatever the menus around it
    # hold, however many links they have for the page's text.
    paragraphs = [f"{PROSE[n % 6]} {PROSE[(n + 1 + n // 6) % 6]}" for n in range(10)]
    page = hub_page(paragraphs, links=300, title="Council backs bike lanes")
    assert extract(page, "https://courier.example/local/bikes").page_type == PageType.ARTICLE


def link_grid(links: int) -> str:
    """A category's grid of numbered links (pages, sizes, filters): many links of little text each."""
    return "<div>" + "".join(f'<a href="/categoria/{n}">{n}</a> ' for n in range(links)) + "</div>"


def test_a_page_of_links_around_some_prose_is_not_an_article() -> None:
    # A category page of a shop or a magazine (Italian, Portuguese, Spanish): three paragraphs of prose, but
    # 120 links for its 1,600 visible characters, and no article metadata. Not an article.
    texts = [f"{PROSE_IT} {PROSE_PT}", f"{PROSE_PT} {PROSE_ES}", f"{PROSE_ES} {PROSE_IT}"]
    paragraphs = "".join(f"<p>{text}</p>" for text in texts)
    body = f"<main><h1>Scarpe da corsa</h1>{link_grid(120)}{paragraphs}</main>"
    url = "https://negozio.example/scarpe"
    assert extract(shell(body, title="Scarpe da corsa"), url).page_type != PageType.ARTICLE
    # A date and a byline (two marks) keep it the article it may be ...
    head = '<meta name="author" content="Giulia Rossi"><meta name="date" content="2026-03-05">'
    assert extract(shell(body, head, title="Scarpe da corsa"), url).page_type == PageType.ARTICLE
    # ... and so do fewer links around the same prose.
    body = f"<main><h1>Scarpe da corsa</h1>{link_grid(30)}{paragraphs}</main>"
    assert extract(shell(body, title="Scarpe da corsa"), url).page_type == PageType.ARTICLE


def test_an_element_matching_two_of_the_selectors_is_counted_once() -> None:
    # Lexbor lists an element once per selector of the list it matches: a <time> that is also the author
    # (itemprop) was two dates and two bylines, a <code> typed as a Product two code elements.
    page = (
        '<p><time itemprop="author" datetime="2026-03-01">Ana</time>'
        '<code itemtype="https://schema.org/Product">x</code></p>'
    )
    counts = markup_counts(LexborHTMLParser(page))
    assert (counts.times, counts.microdata_authors, counts.code, counts.microdata_products) == (1, 1, 1, 1)
    assert len(counts.time_paths) == 1
