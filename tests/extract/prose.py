"""One ordinary news story, six paragraphs of prose, for the tests that need a real article's text."""

COUNCIL_STORY = [
    "The city council voted on Tuesday to expand the network of protected bicycle lanes across the whole "
    "downtown area, after a debate that lasted well into the evening and drew a large crowd of residents.",
    "Supporters said the plan, which costs about four million dollars over three years, would make the "
    "streets safer for children walking to school and for the growing number of people who cycle to work.",
    "Opponents argued that removing hundreds of parking spaces would hurt the small shops along Main "
    "Street, many of which depend on customers who drive in from the villages around the city.",
    "The first new lanes are expected to open next spring, according to the transport office, which will "
    "publish a detailed map of the works and the order of the streets concerned before the end of the year.",
    "Council members agreed to review the results after one year and to report on accidents, traffic "
    "and the takings of local businesses, so that the plan can be changed where it does not work out.",
    "A cyclists' association welcomed the vote but asked for lanes separated from traffic by kerbs rather "
    "than paint, pointing to two accidents last winter on streets where only a painted line protected them.",
]
