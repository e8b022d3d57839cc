"""Lines of data set as paragraphs of one box (a class schedule: date, time, room, teacher) are the
article's, though none reads as a sentence; a rail of cards (headline, label, author in a box each) is not."""

from __future__ import annotations

from scraper.extract import extract

INTRO = [
    "The yoga series returns this autumn with weekly lunchtime sessions open to all staff and students, "
    "no experience needed and mats provided.",
    "Each session combines breathing, gentle movement and a short relaxation, and ends in time for the "
    "afternoon's first classes.",
    "Sessions are led by a certified instructor from the campus recreation centre, who adapts every pose "
    "for beginners and for anyone with an injury or a limited range of movement.",
    "Please arrive five minutes early, wear comfortable clothes, and bring a bottle of water; the room is "
    "kept warm, and the doors close once the session has started.",
]
DATES = ["September 10", "September 17", "September 24", "October 1", "October 8", "October 15"]


def page(extra: str) -> str:
    body = "".join(f"<p>{text}</p>" for text in INTRO)
    return (
        "<html><head><title>Yoga series</title></head><body><main><article><h1>Yoga series</h1>"
        f"<div class='content'>{body}<h2>Schedule</h2>{extra}</div></article></main></body></html>"
    )


def test_a_schedule_of_lines_in_one_box_is_kept() -> None:
    lines = "".join(f"<p>{date} 12pm - 1pm Room 217 Carrie Menke</p>" for date in DATES)
    text = extract(page(f"<div>{lines}</div>")).text
    assert all(f"{date} 12pm - 1pm Room 217" in text for date in DATES)


def test_a_rail_of_cards_is_still_dropped() -> None:
    cards = "".join(
        f"<div><div>NEWS</div><h3>Headline of story {n} on the campus</h3><div>Jane Doe</div></div>"
        for n in range(4)
    )
    text = extract(page(f"<div>{cards}</div>")).text
    assert "Headline of story" not in text
