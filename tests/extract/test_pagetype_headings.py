"""Prose per heading: a page's own section headings count against its prose, headings that are links do
not (hand-written pages in Spanish and English)."""

from __future__ import annotations

from scraper.extract import extract
from scraper.models import PageType
from tests.extract.test_pagetype import PROSE, shell

# A guide's introduction (Spanish): four paragraphs of prose.
INTRO = [
    "La seguridad informática no tiene por qué ser un reto abrumador para los dueños de pequeñas "
    "empresas. Siguiendo cinco pasos rápidos y sencillos se puede proteger la información de la empresa "
    "y sus clientes.",
    "Esta guía reúne los consejos que más ayudan a una empresa pequeña: copias de seguridad, protección "
    "contra programas maliciosos, teléfonos seguros, contraseñas y correos de suplantación. Todo está "
    "pensado para empresas de menos de diez personas.",
    "Cada paso se explica en su propia página, con ejemplos y listas de comprobación que cualquier persona "
    "de la oficina puede seguir sin conocimientos técnicos previos, y en pocos minutos.",
    "Las pequeñas empresas que quieran ir más allá pueden además solicitar una certificación, que demuestra "
    "a sus clientes y proveedores que se toman en serio la protección de los datos que guardan.",
]
# Each step: its title and a one-line summary under it.
STEPS = [
    ("Paso 1: copias de seguridad", "Cinco cosas que tener en cuenta al hacer copias de sus datos."),
    ("Paso 2: programas maliciosos", "Consejos que evitan daños causados por programas maliciosos."),
    ("Paso 3: teléfonos y tabletas", "Consejos rápidos para mantener seguros sus dispositivos móviles."),
    ("Paso 4: contraseñas", "Cinco cosas que recordar al usar contraseñas en el trabajo."),
    ("Paso 5: correos falsos", "Pasos que ayudan a reconocer los ataques de suplantación más comunes."),
]


def guide(linked: bool) -> str:
    """A guide's page: its introduction, then its steps, each a heading over a one-line summary; the
    headings link to the steps' own pages, or are plain."""
    steps = "".join(
        f'<h2><a href="/guia/paso-{n}">{title}</a></h2><p>{summary}</p>'
        if linked
        else f"<h2>{title}</h2><p>{summary}</p>"
        for n, (title, summary) in enumerate(STEPS, start=1)
    )
    intro = "".join(f"<p>{text}</p>" for text in INTRO)
    return shell(f"<main><h1>Guía para pequeñas empresas</h1>{intro}{steps}</main>", title="Guía")


def test_headings_that_link_to_other_pages_do_not_count_against_the_prose() -> None:
    # A guide (or a hub's introduction) whose contents are linked titles of its chapters, each over a
    # one-line summary: the linked titles are entries of a table of contents, weighed by the link rules,
    # not sections of this page. Its prose reads as an article's (it was unknown: 1 heading per 160
    # characters of prose).
    assert extract(guide(linked=True), "https://ciber.example/guia").page_type == PageType.ARTICLE


def test_plain_headings_over_one_line_blurbs_still_count_against_the_prose() -> None:
    # The page's own sections, each a heading over a one-line blurb: a landing page's shape, not an
    # article's. Unchanged: not an article.
    assert extract(guide(linked=False), "https://ciber.example/guia").page_type != PageType.ARTICLE


def test_a_list_of_linked_teasers_without_an_introduction_is_still_no_article() -> None:
    # Linked titles over one-line blurbs and nothing else: too little prose of the page's own to read as
    # an article (English), whether the headings count or not.
    cards = "".join(
        f'<h3><a href="/news/{n}">Story {n}</a></h3><p>{PROSE[n][:90]}.</p>' for n in range(len(PROSE))
    )
    page = shell(f"<main><h1>Local news</h1>{cards}</main>", title="Local news")
    assert extract(page, "https://courier.example/local").page_type != PageType.ARTICLE
