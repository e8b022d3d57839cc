"""Forum threads told by their shape alone: a run of sibling posts, each with its own poster, date line and
text, none dominating. No microdata, no schema.org type, no <time>: a server-rendered board as most forum
software writes it, in several languages and date formats. And what must not read as a thread: an article
with its comments, a list of dated teasers, an article of dated entries."""

from __future__ import annotations

from scraper.extract import extract
from scraper.models import PageType
from tests.extract.prose import COUNCIL_STORY

# The forum software writes article-like metadata for the topic (og:type "article", the starter as the
# author): 2 points for an article, which the posts' shape must outweigh.
FORUM_HEAD = '<meta property="og:type" content="article"><meta name="author" content="{author}">'


def board(title: str, posts: list[tuple[str, str, str]], lang: str = "en", head: str = "") -> str:
    """A thread page: one <div> per post (its poster, its date line, its text), between a board's chrome."""
    units = "".join(
        f'<div class="row"><div class="left"><p><a href="/u/{author}">{author}</a></p>'
        f"<p><img src='/avatars/{author}.png' alt=''></p></div>"
        f'<div class="right"><p class="when">{date}</p><div class="text"><p>{text}</p></div>'
        f'<p><a href="#top">^</a></p></div></div>'
        for author, date, text in posts
    )
    return f"""<!doctype html><html lang="{lang}"><head><title>{title}</title>
{head or FORUM_HEAD.format(author=posts[0][0])}</head><body>
<header><a href="/">Board index</a><nav><a href="/search">Search</a> <a href="/faq">FAQ</a></nav></header>
<main><h1>{title}</h1><div class="rows">{units}</div></main>
<footer><p>Powered by a forum</p></footer></body></html>"""


ENGLISH = [
    "I have been riding to work every day for two years now and the new lanes on Main Street changed "
    "everything for me. Does anyone know when the ones on the bridge will open?",
    "The council said next spring, but they said that last year as well. I would not count on it before "
    "the summer, the works on the river side have not even started yet.",
    "Same experience here. The painted lanes are fine on quiet streets, but near the station the buses "
    "still cut in front of you. Kerbs would make a real difference there.",
    "You can follow the works on the transport office's map, they update it every week. The bridge is "
    "listed for April, for what that is worth.",
    "Thanks all, that map is exactly what I was looking for. I will report back once I have tried the "
    "new route on the bridge.",
]


def test_a_thread_without_microdata_or_time_elements_is_a_forum_page() -> None:
    dates = ["Mon Jan 02, 2023 10:15 am", "Mon Jan 02, 2023 11:02 am", "Tue Jan 03, 2023 8:47 pm"]
    dates += ["Wed Jan 04, 2023 9:30 am", "Wed Jan 04, 2023 6:12 pm"]
    authors = ["alice", "bob42", "carol_w", "dave", "alice"]
    html = board("New bike lanes: when on the bridge?", list(zip(authors, dates, ENGLISH, strict=True)))
    url = "https://board.example/viewtopic.php?t=4321"
    assert extract(html, url).page_type == PageType.FORUM


def test_a_german_thread_with_numeric_dates_is_a_forum_page() -> None:
    texts = [
        "Seit zwei Jahren fahre ich jeden Tag mit dem Rad zur Arbeit, und die neuen Radwege in der "
        "Hauptstraße haben alles verändert. Weiß jemand, wann die auf der Brücke eröffnet werden?",
        "Die Stadt hat nächstes Frühjahr gesagt, aber das hat sie letztes Jahr auch schon gesagt. Vor dem "
        "Sommer würde ich nicht damit rechnen, die Arbeiten am Ufer haben noch nicht einmal begonnen.",
        "Bei mir genauso. Auf ruhigen Straßen reichen die gemalten Streifen, aber am Bahnhof schneiden "
        "einem die Busse immer noch den Weg ab. Bordsteine würden dort wirklich helfen.",
        "Die Baustellen stehen auf der Karte des Verkehrsamts, die wird jede Woche aktualisiert. Die "
        "Brücke ist dort für April eingetragen, was auch immer das heißen mag.",
        "Danke euch allen, genau diese Karte habe ich gesucht. Ich melde mich, sobald ich die neue "
        "Strecke über die Brücke ausprobiert habe.",
    ]
    dates = ["03.08.2024, 14:32", "03.08.2024, 15:10", "04.08.2024, 09:05", "04.08.2024, 21:47"]
    dates += ["05.08.2024, 07:58"]
    authors = ["radler", "moritz", "jana_k", "radler", "olli"]
    html = board("Neue Radwege: wann auf der Brücke?", list(zip(authors, dates, texts, strict=True)), "de")
    assert extract(html, "https://forum.example/thema/9876").page_type == PageType.FORUM


def test_a_japanese_thread_with_slashed_dates_is_a_forum_page() -> None:
    texts = [
        "二年前から毎日自転車で通勤していますが、大通りの新しい自転車レーンのおかげで本当に走りやすく"
        "なりました。橋の上のレーンはいつ開通するのか、どなたかご存じですか。",
        "市は来年の春と言っていますが、去年も同じことを言っていました。川沿いの工事もまだ始まっていない"
        "ので、夏より前は期待しないほうがいいと思います。",
        "こちらも同じです。静かな道なら塗装だけのレーンでも十分ですが、駅の近くではバスが今も前に割り"
        "込んできます。縁石があれば大きく違うはずです。",
        "工事の予定は交通局の地図で確認できます。毎週更新されていて、橋は四月の予定になっています。"
        "あくまで予定ですが、参考になると思います。",
        "皆さんありがとうございます。まさに探していた地図です。橋の新しいルートを走ってみたら、また"
        "ここで報告します。よろしくお願いします。",
    ]
    dates = ["2024/08/03 14:32", "2024/08/03 15:10", "2024/08/04 09:05", "2024/08/04 21:47"]
    dates += ["2024/08/05 07:58"]
    authors = ["sakura", "kenji", "yuki_t", "sakura", "hiro"]
    html = board("新しい自転車レーン：橋はいつ？", list(zip(authors, dates, texts, strict=True)), "ja")
    assert extract(html, "https://bbs.example/thread/555").page_type == PageType.FORUM


def test_a_french_thread_whose_dates_are_iso_timestamps_is_a_forum_page() -> None:
    texts = [
        "Je vais au travail à vélo tous les jours depuis deux ans et les nouvelles pistes de la rue "
        "principale ont tout changé pour moi. Quelqu'un sait-il quand celles du pont ouvriront ?",
        "La mairie a dit au printemps prochain, mais elle disait déjà la même chose l'an dernier. Je ne "
        "compterais pas dessus avant l'été, les travaux côté rivière n'ont même pas commencé.",
        "Même expérience ici. Les bandes peintes suffisent dans les rues calmes, mais près de la gare les "
        "bus vous coupent toujours la route. Des bordures changeraient vraiment les choses.",
        "Les chantiers sont sur la carte du service des transports, mise à jour chaque semaine. Le pont y "
        "est prévu pour avril, pour ce que ça vaut.",
        "Merci à tous, c'est exactement la carte que je cherchais. Je vous dirai ce qu'il en est quand "
        "j'aurai essayé le nouveau trajet par le pont.",
    ]
    dates = ["2024-08-03T14:32+02:00", "2024-08-03T15:10+02:00", "2024-08-04T09:05+02:00"]
    dates += ["2024-08-04T21:47+02:00", "2024-08-05T07:58+02:00"]
    authors = ["velo_lyon", "marc", "sophie.d", "velo_lyon", "karim"]
    posts = [(a, f"<time>{d}</time>", t) for a, d, t in zip(authors, dates, texts, strict=True)]
    html = board("Nouvelles pistes cyclables : et le pont ?", posts, "fr")
    assert extract(html, "https://forum.example/sujet/2024/pistes").page_type == PageType.FORUM


ARTICLE = COUNCIL_STORY


def test_an_article_with_a_long_comment_thread_stays_an_article() -> None:
    # The comments are a thread, as long as the story, but the story (the body) lies outside them.
    comments = "".join(
        f'<div class="row"><p><a href="/u/{author}">{author}</a></p><p>{date}</p><p>{text}</p></div>'
        for author, date, text in zip(
            ["alice", "bob42", "carol_w", "dave", "erin"],
            [f"March {5 + n // 3}, 2026 at {10 + n}:15" for n in range(5)],
            ENGLISH,
            strict=True,
        )
    )
    html = f"""<!doctype html><html lang="en"><head><title>Council backs bike lanes</title>
<meta name="author" content="Jane Reporter"></head><body><header><a href="/">Daily Courier</a></header>
<article><h1>Council backs bike lanes</h1><p>By Jane Reporter, March 5, 2026</p>
{"".join(f"<p>{p}</p>" for p in ARTICLE)}</article>
<section><h2>5 replies</h2>{comments}</section></body></html>"""
    assert (
        extract(html, "https://courier.example/local/council-backs-bike-lanes").page_type == PageType.ARTICLE
    )


def test_a_list_of_dated_teasers_with_summaries_is_not_a_forum_page() -> None:
    # Each teaser leads with its own linked headline: a listing's shape, not a thread's.
    teasers = "".join(
        f'<div class="row"><h3><a href="/news/story-{n}">Council story number {n} on the lanes and the '
        f"bridge</a></h3><p>March {n}, 2026</p><p>{ARTICLE[n % len(ARTICLE)]}</p></div>"
        for n in range(1, 9)
    )
    html = f"""<!doctype html><html lang="en"><head><title>Local news</title></head><body>
<header><a href="/">Daily Courier</a></header><main><h1>Local news</h1>{teasers}</main></body></html>"""
    assert extract(html, "https://courier.example/local").page_type != PageType.FORUM


def test_an_article_of_dated_entries_stays_an_article() -> None:
    # A diary or timeline: dated entries of one body, each in its own box, with no poster of its own.
    entries = "".join(
        f"<div class='entry'><p>March {n + 1}, 2026</p><p>{text}</p></div>" for n, text in enumerate(ARTICLE)
    )
    html = f"""<!doctype html><html lang="en"><head><title>A week of the bike lanes</title></head><body>
<header><a href="/">Daily Courier</a></header>
<article><h1>A week of the bike lanes, day by day</h1>{entries}</article></body></html>"""
    assert extract(html, "https://courier.example/a-week-of-the-bike-lanes-day-by-day").page_type == (
        PageType.ARTICLE
    )


def test_an_article_boxed_beside_its_dated_comments_stays_an_article() -> None:
    # The story and its comments in one container, each in a box of its own with a date line and a
    # name: one box dominates, the story's.
    story = (
        "<div><p>By Jane Reporter</p><p>March 5, 2026 at 09:00</p>"
        + "".join(f"<p>{p}</p>" for p in ARTICLE)
        + "</div>"
    )
    comments = "".join(
        f"<div><p><a href='/u/{author}'>{author}</a></p><p>March 5, 2026 at {11 + n}:20</p>"
        f"<p>{ENGLISH[n][:110]}</p></div>"
        for n, author in enumerate(["alice", "bob42", "carol_w", "dave"])
    )
    html = f"""<!doctype html><html lang="en"><head><title>Council backs bike lanes</title></head><body>
<header><a href="/">Daily Courier</a></header><main><h1>Council backs bike lanes</h1>{story}{comments}</main>
</body></html>"""
    assert (
        extract(html, "https://courier.example/local/council-backs-bike-lanes").page_type == PageType.ARTICLE
    )


def test_a_thread_whose_dates_are_only_in_time_elements_is_a_forum_page() -> None:
    # A Spanish thread whose posts show a relative date ("hace 3 h"): the date is in the <time> element's
    # attribute only, no date-shaped text; one <time> a post places the posts.
    texts = [
        "Llevo dos años yendo en bicicleta al trabajo todos los días y los nuevos carriles de la calle "
        "mayor lo han cambiado todo. ¿Alguien sabe cuándo abrirán los del puente?",
        "El ayuntamiento dijo que en primavera, pero eso mismo dijo el año pasado. Yo no contaría con "
        "ello antes del verano, las obras del lado del río ni siquiera han empezado.",
        "Aquí igual. Los carriles pintados bastan en calles tranquilas, pero cerca de la estación los "
        "autobuses siguen cerrándote el paso. Unos bordillos cambiarían mucho las cosas.",
        "Las obras están en el mapa de la oficina de transportes, que se actualiza cada semana. El puente "
        "figura para abril, por lo que valga.",
        "Gracias a todos, es justo el mapa que buscaba. Os cuento cuando haya probado la nueva ruta por "
        "el puente.",
    ]
    ages = ["hace 3 d", "hace 3 d", "hace 2 d", "hace 20 h", "hace 3 h"]
    authors = ["ciclista_mad", "lucia", "pablo.r", "ciclista_mad", "ana"]
    posts = [
        (author, f'<time datetime="2024-08-0{n + 1}T10:00:00Z">{age}</time>', text)
        for n, (author, age, text) in enumerate(zip(authors, ages, texts, strict=True))
    ]
    html = board("Nuevos carriles bici: ¿y el puente?", posts, "es")
    assert extract(html, "https://foro.example/t/carriles-bici/321").page_type == PageType.FORUM
