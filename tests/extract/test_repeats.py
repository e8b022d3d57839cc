"""Lines an article repeats among its own paragraphs (a plan's "Eat every 2–3 hours" under each meal, a
recipe's steps shared by two menus) stay each time; a copy set apart from the body (a standfirst in the
header, a pull quote in its own box) still goes."""

from __future__ import annotations

from scraper.extract import extract

INTRO = (
    "This meal plan works for both programmes, so there is no need to work out a whole new menu when you "
    "finish one of them and start the other one next week."
)
SHARED_MEAL = (
    "Chicken and rice with one cup of steamed broccoli, four ounces of cooked chicken and half a cup of "
    "brown rice, seasoned with lemon and a teaspoon of olive oil."
)
TIMING = "Eat every two to three hours through the day"


def plan(name: str, own_meal: str) -> str:
    return (
        f"<h2>Menu for plan {name}</h2>"
        f"<h3>Meal 1</h3><p>{TIMING}</p><p>{SHARED_MEAL}</p>"
        f"<h3>Meal 2</h3><p>{TIMING}</p><p>{own_meal}</p>"
    )


def page(article: str) -> str:
    return (
        "<html><head><title>Meal plan</title></head><body><header><a href='/'>Home</a></header>"
        f"<main><article><h1>Meal plan</h1><div class='content'>{article}</div></article></main>"
        "</body></html>"
    )


def test_lines_repeated_among_the_articles_own_paragraphs_are_kept_each_time() -> None:
    own_a = "Tomato and cucumber salad with half a cup of cherry tomatoes, dressed with vinegar and herbs."
    own_b = "Turkey wrap with lettuce, mustard and a slice of cheese, rolled in a small wholegrain tortilla."
    text = extract(page(f"<p>{INTRO}</p>{plan('A', own_a)}{plan('B', own_b)}")).text
    assert text.count(SHARED_MEAL) == 2
    assert text.count(TIMING) == 4


def test_a_standfirst_repeated_in_the_header_is_still_kept_once() -> None:
    html = (
        "<html><head><title>Meal plan</title></head><body><main><article>"
        f"<header><h1>Meal plan</h1><p>{INTRO}</p></header>"
        f"<div class='content'><p>{INTRO}</p><p>{SHARED_MEAL}</p><p>{SHARED_MEAL[::-1]}</p></div>"
        "</article></main></body></html>"
    )
    assert extract(html).text.count(INTRO) == 1


def test_one_standfirst_set_again_among_the_paragraphs_is_kept_once() -> None:
    html = page(f"<p><em>{INTRO}</em></p><p>{SHARED_MEAL}</p><p>{INTRO}</p><p>{SHARED_MEAL[::-1]}</p>")
    assert extract(html).text.count(INTRO) == 1


QUESTION = "Which cuisine do you like yourself? Are there dishes you would never cook at home?"


def test_a_question_put_to_each_interviewee_in_turn_is_kept_each_time() -> None:
    answers = [
        "I grew up on my grandmother's soups, so anything slow-cooked and simple wins me over every time.",
        "Japanese food, mostly, because of its restraint; and I never cook tripe, whatever my chefs say.",
        "Everything from the south of Italy, and I avoid anything with too much cream in it at home.",
    ]
    article = "".join(
        f"<div class='block'><h3>Chef {n}</h3><p>{QUESTION}</p></div><div class='block'><p>{answer}</p></div>"
        for n, answer in enumerate(answers)
    )
    assert extract(page(f"<p>{INTRO}</p>{article}")).text.count(QUESTION) == 3


def test_one_paragraph_printed_over_and_over_in_a_row_comes_out_once() -> None:
    assert extract(page(f"<p>{SHARED_MEAL}</p>" + f"<p>{INTRO}</p>" * 5)).text.count(INTRO) == 1


def test_two_quoted_posts_signed_alike_keep_their_signatures() -> None:
    signature = "— The City Council (@citycouncil) October 9, 2026"
    posts = [
        "The new bridge opens to cyclists and walkers on Saturday morning, cars follow next week.",
        "Thank you to everyone who came to the public meeting on the bridge last night at the library.",
    ]
    quotes = "".join(f"<blockquote><p>{post}</p><p>{signature}</p></blockquote>" for post in posts)
    text = extract(page(f"<p>{INTRO}</p>{quotes}")).text
    assert text.count(signature) == 2
