"""The article header's byline and date lines beside the lede, and small related boxes in CJK text."""

from __future__ import annotations

import pytest

from scraper.extract import extract

_LEDES = {
    "en": (
        "The city council voted on Tuesday to expand the network of protected bike lanes downtown by 30 km.",
        [
            "Supporters said the plan, which costs about four million dollars, would make streets safer.",
            "Opponents argued that removing parking spaces would hurt the small shops along Main Street.",
        ],
    ),
    "de": (
        "Der Stadtrat hat am Dienstag beschlossen, das Netz geschützter Radwege in der Stadt auszubauen.",
        [
            "Befürworter sagten, der Plan koste rund vier Millionen Euro und mache die Straßen sicherer.",
            "Gegner meinten, der Wegfall von Parkplätzen schade den kleinen Läden an der Hauptstraße.",
        ],
    ),
}
_BYLINES = {
    "en": ("By Jane Doe", "Sept. 30, 2025, 1:25 p.m."),
    "de": ("Von Jane Doe", "30.09.2025, 13:25 Uhr"),
}


def _article(lang: str, byline: str, dateline: str) -> str:
    lede, rest = _LEDES[lang]
    body = "".join(f"<p>{text}</p>" for text in rest)
    return f"""<!doctype html><html lang="{lang}"><head><title>Council backs bike lanes</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Council backs bike lanes", "datePublished": "2025-09-30T13:25:00+02:00",
"author": {{"@type": "Person", "name": "Jane Doe"}}}}</script></head><body>
<main><article><header><h1>Council backs bike lanes</h1><p class="lede">{lede}</p>
<div class="who">{byline}</div><time datetime="2025-09-30T13:25:00+02:00">{dateline}</time></header>
<div class="text">{body}</div></article></main></body></html>"""


@pytest.mark.parametrize("lang", ["en", "de"])
def test_byline_and_date_lines_after_the_lede_are_dropped(lang: str) -> None:
    byline, dateline = _BYLINES[lang]
    text = extract(_article(lang, byline, dateline)).text
    lede, rest = _LEDES[lang]
    assert text.split("\n\n") == [lede, *rest]


def test_lines_of_other_names_and_numbers_stay() -> None:
    """A short line naming someone else, or numbers that are not the page's date, is not its byline."""
    text = extract(_article("en", "By John Roe", "Sept. 29, 2025")).text
    assert "By John Roe" in text
    assert "Sept. 29, 2025" in text


_ZH_PARTS = (
    "历时三年的江岸古镇老街修缮工程日前全部完工，沿江一千二百米老街上的四十余栋百年木楼重新对外开放。",
    "老街居民在这里住了六十多年。他说，以前一下大雨，家里就得摆满接水的盆，现在屋顶换了新瓦，再也不漏了。",
)
_JA_PARTS = (
    "三年がかりで進められてきた川沿いの古い町並みの修繕工事が先日すべて完了し、百年前の木造家屋が再び公開された。",
    "この通りに六十年以上住んでいる住民は、以前は大雨のたびに家の中に水を受ける桶を並べなければならなかったと話す。",
)


@pytest.mark.parametrize(
    ("parts", "heading", "headlines"),
    [
        (_ZH_PARTS, "相关阅读", ("古镇夜游线路本周末试运行，沿江灯光秀每晚两场", "老街商户招募启动")),
        (_JA_PARTS, "関連記事", ("古い町並みの夜間ツアーが週末に試験運行", "商店の募集開始")),
    ],
)
def test_small_related_box_of_cjk_headlines_is_dropped_whole(
    parts: tuple[str, str], heading: str, headlines: tuple[str, str]
) -> None:
    items = "".join(f'<li><a href="/c/{n}">{line}</a></li>' for n, line in enumerate(headlines))
    html = f"""<!doctype html><html><head><title>t</title></head><body><div class="page">
<div class="part"><p>{parts[0]}</p></div><div class="box"><h3>{heading}</h3><ul>{items}</ul></div>
<div class="part"><p>{parts[1]}</p></div></div></body></html>"""
    assert extract(html).text.split("\n\n") == list(parts)
