"""Entity extraction: titles, people, genres, years, keywords, references, and their polarity.

Runs against a small fixture catalog of real MovieLens films (ids, titles, years, genres, people,
rating counts of MovieLens-small size), so it needs no built data.
"""

from __future__ import annotations

import pytest

from nlu.entities import EntityLexicon, extract_entities
from nlu.types import UNWANTED, WANTED, ParseContext, ShownItem
from recommender.domain.catalog import Catalog, Item

NOLAN = ("Christopher Nolan",)
TARANTINO = ("Quentin Tarantino",)
SPIELBERG = ("Steven Spielberg",)
KUBRICK = ("Stanley Kubrick",)
COPPOLA = ("Francis Ford Coppola",)
FINCHER = ("David Fincher",)
ZEMECKIS = ("Robert Zemeckis",)
LUCAS = ("George Lucas",)

# fmt: off
# (id, title, year, genres, directors, cast, n_ratings)
MOVIES = [
    ("2571", "The Matrix", 1999, "Action|Sci-Fi|Thriller", ("Lana Wachowski", "Lilly Wachowski"),
     ("Keanu Reeves", "Laurence Fishburne", "Carrie-Anne Moss"), 259),
    ("858", "The Godfather", 1972, "Crime|Drama", COPPOLA, ("Marlon Brando", "Al Pacino"), 200),
    ("1221", "The Godfather: Part II", 1974, "Crime|Drama", COPPOLA,
     ("Al Pacino", "Robert De Niro"), 135),
    ("2023", "The Godfather: Part III", 1990, "Crime|Drama|Mystery|Thriller", COPPOLA,
     ("Al Pacino", "Andy Garcia"), 50),
    ("6", "Heat", 1995, "Action|Crime|Thriller", ("Michael Mann",),
     ("Al Pacino", "Robert De Niro"), 104),
    ("4432", "Heat", 1986, "Action|Drama", ("Dick Richards",), ("Burt Reynolds",), 1),
    ("68954", "Up", 2009, "Adventure|Animation|Children|Drama", ("Pete Docter",), ("Ed Asner",),
     105),
    ("106920", "Her", 2013, "Drama|Romance|Sci-Fi", ("Spike Jonze",),
     ("Joaquin Phoenix", "Scarlett Johansson"), 40),
    ("2124", "It", 1990, "Drama|Fantasy|Horror|Mystery|Thriller", ("Tommy Lee Wallace",),
     ("Tim Curry",), 12),
    ("47", "Seven (a.k.a. Se7en)", 1995, "Mystery|Thriller", FINCHER,
     ("Brad Pitt", "Morgan Freeman"), 201),
    ("2797", "Big", 1988, "Comedy|Drama|Fantasy|Romance", ("Penny Marshall",), ("Tom Hanks",), 91),
    ("260", "Star Wars: Episode IV - A New Hope", 1977, "Action|Adventure|Sci-Fi", LUCAS,
     ("Mark Hamill", "Harrison Ford", "Carrie Fisher"), 291),
    ("1196", "Star Wars: Episode V - The Empire Strikes Back", 1980, "Action|Adventure|Sci-Fi",
     ("Irvin Kershner",), ("Mark Hamill", "Harrison Ford"), 234),
    ("1210", "Star Wars: Episode VI - Return of the Jedi", 1983, "Action|Adventure|Sci-Fi",
     ("Richard Marquand",), ("Mark Hamill", "Harrison Ford"), 217),
    ("2628", "Star Wars: Episode I - The Phantom Menace", 1999, "Action|Adventure|Sci-Fi", LUCAS,
     ("Liam Neeson", "Ewan McGregor"), 140),
    ("79132", "Inception", 2010, "Action|Crime|Drama|Mystery|Sci-Fi|Thriller|IMAX", NOLAN,
     ("Leonardo DiCaprio", "Joseph Gordon-Levitt"), 143),
    ("58559", "The Dark Knight", 2008, "Action|Crime|Drama|IMAX", NOLAN,
     ("Christian Bale", "Heath Ledger"), 121),
    ("109487", "Interstellar", 2014, "Sci-Fi|IMAX", NOLAN,
     ("Matthew McConaughey", "Anne Hathaway"), 57),
    ("4226", "Memento", 2000, "Mystery|Thriller", NOLAN, ("Guy Pearce",), 132),
    ("296", "Pulp Fiction", 1994, "Comedy|Crime|Drama|Thriller", TARANTINO,
     ("John Travolta", "Samuel L. Jackson", "Uma Thurman"), 324),
    ("1089", "Reservoir Dogs", 1992, "Crime|Mystery|Thriller", TARANTINO, ("Harvey Keitel",), 139),
    ("6874", "Kill Bill: Vol. 1", 2003, "Action|Crime|Thriller", TARANTINO, ("Uma Thurman",), 131),
    ("7438", "Kill Bill: Vol. 2", 2004, "Action|Drama|Thriller", TARANTINO, ("Uma Thurman",), 110),
    ("480", "Jurassic Park", 1993, "Action|Adventure|Sci-Fi|Thriller", SPIELBERG,
     ("Sam Neill", "Laura Dern", "Jeff Goldblum"), 274),
    ("527", "Schindler's List", 1993, "Drama|War", SPIELBERG, ("Liam Neeson",), 244),
    ("1387", "Jaws", 1975, "Action|Horror", SPIELBERG, ("Roy Scheider",), 123),
    ("1", "Toy Story", 1995, "Adventure|Animation|Children|Comedy|Fantasy", ("John Lasseter",),
     ("Tom Hanks", "Tim Allen"), 247),
    ("4886", "Monsters, Inc.", 2001, "Adventure|Animation|Children|Comedy|Fantasy",
     ("Pete Docter",), ("John Goodman", "Billy Crystal"), 132),
    ("4973", "Amélie (Fabuleux destin d'Amélie Poulain, Le)", 2001, "Comedy|Romance",
     ("Jean-Pierre Jeunet",), ("Audrey Tautou",), 124),
    ("293", "Léon: The Professional (a.k.a. The Professional) (Léon)", 1994,
     "Action|Crime|Drama|Thriller", ("Luc Besson",), ("Jean Reno", "Natalie Portman"), 132),
    ("2324", "Life Is Beautiful", 1997, "Comedy|Drama|Romance|War", ("Roberto Benigni",),
     ("Roberto Benigni", "Nicoletta Braschi"), 90),
    ("1258", "The Shining", 1980, "Horror", KUBRICK, ("Jack Nicholson", "Shelley Duvall"), 109),
    ("924", "2001: A Space Odyssey", 1968, "Adventure|Drama|Sci-Fi", KUBRICK, ("Keir Dullea",),
     120),
    ("1206", "A Clockwork Orange", 1971, "Crime|Drama|Sci-Fi|Thriller", KUBRICK,
     ("Malcolm McDowell",), 126),
    ("1721", "Titanic", 1997, "Drama|Romance", ("James Cameron",),
     ("Leonardo DiCaprio", "Kate Winslet"), 140),
    ("2671", "Notting Hill", 1999, "Comedy|Romance", ("Roger Michell",),
     ("Julia Roberts", "Hugh Grant"), 77),
    ("2762", "The Sixth Sense", 1999, "Drama|Horror|Mystery", ("M. Night Shyamalan",),
     ("Bruce Willis", "Haley Joel Osment"), 147),
    ("2959", "Fight Club", 1999, "Action|Crime|Drama|Thriller", FINCHER,
     ("Brad Pitt", "Edward Norton"), 202),
    ("318", "The Shawshank Redemption", 1994, "Crime|Drama", ("Frank Darabont",),
     ("Tim Robbins", "Morgan Freeman"), 311),
    ("356", "Forrest Gump", 1994, "Comedy|Drama|Romance|War", ZEMECKIS, ("Tom Hanks",), 341),
    ("1270", "Back to the Future", 1985, "Adventure|Comedy|Sci-Fi", ZEMECKIS,
     ("Michael J. Fox", "Christopher Lloyd"), 171),
    ("2716", "Ghostbusters (a.k.a. Ghost Busters)", 1984, "Action|Comedy|Sci-Fi",
     ("Ivan Reitman",), ("Bill Murray", "Dan Aykroyd"), 120),
    ("8961", "The Incredibles", 2004, "Action|Adventure|Animation|Children|Comedy",
     ("Brad Bird",), ("Craig T. Nelson", "Holly Hunter"), 125),
    ("6377", "Finding Nemo", 2003, "Adventure|Animation|Children|Comedy", ("Andrew Stanton",),
     ("Albert Brooks", "Ellen DeGeneres"), 141),
    ("1704", "Good Will Hunting", 1997, "Drama|Romance", ("Gus Van Sant",),
     ("Matt Damon", "Robin Williams"), 141),
    ("3785", "Scary Movie", 2000, "Comedy|Horror", ("Keenen Ivory Wayans",), ("Anna Faris",), 52),
    ("104374", "About Time", 2013, "Drama|Fantasy|Romance", ("Richard Curtis",),
     ("Domhnall Gleeson", "Rachel McAdams"), 18),
    ("1219", "Psycho", 1960, "Crime|Horror", ("Alfred Hitchcock",), ("Anthony Perkins",), 94),
    ("2389", "Psycho", 1998, "Crime|Horror|Thriller", ("Gus Van Sant",), ("Vince Vaughn",), 8),
    ("1214", "Alien", 1979, "Horror|Sci-Fi", ("Ridley Scott",), ("Sigourney Weaver",), 146),
    ("55820", "No Country for Old Men", 2007, "Crime|Drama", ("Joel Coen", "Ethan Coen"),
     ("Javier Bardem", "Tommy Lee Jones"), 80),
    ("1193", "One Flew Over the Cuckoo's Nest", 1975, "Drama", ("Miloš Forman",),
     ("Jack Nicholson", "Louise Fletcher"), 144),
    ("72998", "Avatar", 2009, "Action|Adventure|Sci-Fi|IMAX", ("James Cameron",),
     ("Sam Worthington", "Zoe Saldana"), 81),
    ("5952", "Lord of the Rings: The Two Towers, The", 2002, "Adventure|Fantasy",
     ("Peter Jackson",), ("Elijah Wood", "Ian McKellen"), 188),
    ("900001", "Noir Western Documentary Musical Collection", 1950,
     "Film-Noir|Western|Documentary|Musical|War", (), (), 0),
]
# fmt: on
ALIASES = {"2324": ["La vita è bella"]}  # what the catalog build writes to aliases.json


def make_catalog() -> Catalog:
    return Catalog(
        [
            Item(
                id=i, title=t, year=y, genres=tuple(g.split("|")), directors=d, cast=c, n_ratings=n
            )
            for i, t, y, g, d, c, n in MOVIES
        ]
    )


@pytest.fixture(scope="module")
def lexicon() -> EntityLexicon:
    # MovieLens-small ends in 2016: "recent" means 2012 or later.
    return EntityLexicon.from_catalog(make_catalog(), reference_year=2016, aliases=ALIASES)


THREE_SHOWN = ParseContext(
    last_shown=(
        ShownItem("6", "Heat", 1995),
        ShownItem("79132", "Inception", 2010),
        ShownItem("2762", "The Sixth Sense", 1999),
    )
)
ONE_SHOWN = ParseContext(last_shown=(ShownItem("1221", "The Godfather: Part II", 1974),))
TWO_SHOWN = ParseContext(
    last_shown=(ShownItem("1", "Toy Story", 1995), ShownItem("6377", "Finding Nemo", 2003))
)
NONE = ParseContext()
W, U = WANTED, UNWANTED

# fmt: off
# utterance, context, expected [(type, value, polarity, {other fields})], in start order.
CASES = [
    # titles: case, articles, sequels, aliases, typos
    ("the matrix", NONE, [("title", "2571", W, {"item_ids": ("2571",), "text": "the matrix"})]),
    ("Matrix", NONE, [("title", "2571", W, {})]),
    ("I loved The Matrix!", NONE, [("title", "2571", W, {})]),
    ("godfather 2", NONE, [("title", "1221", W, {"item_ids": ("1221",)})]),
    ("godfather part ii", NONE, [("title", "1221", W, {})]),
    ("The Godfather Part 3", NONE, [("title", "2023", W, {})]),
    ("the godfather", NONE, [("title", "858", W, {"item_ids": ("858",)})]),
    ("star wars", NONE, [("title", "260", W, {"item_ids": ("260", "1196", "1210", "2628")})]),
    ("star wars 5", NONE, [("title", "1196", W, {})]),
    ("the empire strikes back", NONE, [("title", "1196", W, {})]),
    ("kill bill vol 2", NONE, [("title", "7438", W, {})]),
    ("Monsters, Inc. is great", NONE, [("title", "4886", W, {"text": "Monsters, Inc"})]),
    ("la vita e bella", NONE, [("title", "2324", W, {})]),
    ("I want to see inceptoin again", NONE, [("title", "79132", W, {"text": "inceptoin"})]),
    ("something like jurasic park", NONE, [("title", "480", W, {})]),
    ("the dark knigth", NONE, [("title", "58559", W, {})]),
    ("Se7en", NONE, [("title", "47", W, {})]),
    ("have you seen seven?", NONE, [("title", "47", W, {})]),
    ("schindlers list", NONE, [("title", "527", W, {})]),
    ("one flew over the cuckoos nest", NONE, [("title", "1193", W, {})]),
    ("lord of the rings the two towers", NONE, [("title", "5952", W, {})]),
    ("I loved Psycho (1998)", NONE,
     [("title", "2389", W, {"item_ids": ("2389",), "text": "Psycho (1998)"})]),
    ("I loved Psycho", NONE, [("title", "1219", W, {"item_ids": ("1219",)})]),
    ("I haven't seen No Country for Old Men", NONE, [("title", "55820", W, {})]),
    # titles that are ordinary words: only with a cue, capitals mid-sentence or quotes
    ("heat", NONE, []),
    ("I loved heat", NONE, [("title", "6", W, {"item_ids": ("6",)})]),
    ("something like Heat but funnier", NONE,
     [("title", "6", W, {}), ("genre", "Comedy", W, {})]),
    ("I liked Her a lot", NONE, [("title", "106920", W, {})]),
    ("I loved It", NONE, [("title", "2124", W, {})]),
    ('what about "up"?', NONE, [("title", "68954", W, {})]),
    ("something like Up or Toy Story", NONE, [("title", "68954", W, {}), ("title", "1", W, {})]),
    ("I want something funny with heart", NONE,
     [("genre", "Comedy", W, {}), ("keyword", "heart", W, {})]),
    ("I Want Something Funny With Heart", NONE,
     [("genre", "Comedy", W, {}), ("keyword", "heart", W, {})]),
    ("what is it about", NONE, []),
    ("pick me up something big", NONE, []),
    ("I've seen it 3 times", NONE, []),
    ("I liked big movies", NONE, []),
    ("a scary movie please", NONE, [("genre", "Horror", W, {})]),
    ("I watched Scary Movie yesterday", NONE, [("title", "3785", W, {})]),
    ("is there a drama from 1994", NONE,
     [("genre", "Drama", W, {}), ("year", "1994-1994", W, {"year_min": 1994, "year_max": 1994})]),
    # people
    ("no more Nolan", NONE,
     [("person", "Christopher Nolan", U, {"role": "director", "text": "Nolan"})]),
    ("something by quentin tarantino", NONE,
     [("person", "Quentin Tarantino", W, {"role": "director"})]),
    ("a movie with Al Pacino", NONE, [("person", "Al Pacino", W, {"role": "actor"})]),
    ("I like Spielberg and Kubrick", NONE,
     [("person", "Steven Spielberg", W, {"role": "director"}),
      ("person", "Stanley Kubrick", W, {"role": "director"})]),
    ("starring tom hanks", NONE, [("person", "Tom Hanks", W, {"role": "actor"})]),
    ("Nolan's films", NONE, [("person", "Christopher Nolan", W, {"role": "director"})]),
    # genres
    ("not a romance", NONE, [("genre", "Romance", U, {})]),
    ("anything but horror", NONE, [("genre", "Horror", U, {})]),
    ("no horror or thrillers", NONE, [("genre", "Horror", U, {}), ("genre", "Thriller", U, {})]),
    ("no horror, thrillers or gore", NONE,
     [("genre", "Horror", U, {}), ("genre", "Thriller", U, {}),
      ("attribute", "violence:down", U, {})]),  # a soft wish (nlu/soft_wishes.py), no keyword
    ("not a romance, a comedy", NONE, [("genre", "Romance", U, {}), ("genre", "Comedy", W, {})]),
    ("not a romance but a comedy", NONE,
     [("genre", "Romance", U, {}), ("genre", "Comedy", W, {})]),
    ("I don't mind horror", NONE, [("genre", "Horror", W, {})]),
    ("I don't like horror", NONE, [("genre", "Horror", U, {})]),
    ("it doesn't have to be action", NONE, [("genre", "Action", W, {})]),
    ("I can't decide between comedy and drama", NONE,
     [("genre", "Comedy", W, {}), ("genre", "Drama", W, {})]),
    ("a rom-com", NONE, [("genre", "Comedy", W, {}), ("genre", "Romance", W, {})]),
    ("sci fi or animated", NONE, [("genre", "Sci-Fi", W, {}), ("genre", "Animation", W, {})]),
    ("more action please", NONE, [("genre", "Action", W, {})]),
    ("a good comdey", NONE, [("genre", "Comedy", W, {})]),
    ("something for the kids, no cartoons", NONE,
     [("genre", "Children", W, {}), ("genre", "Animation", U, {})]),
    ("a film noir or a western", NONE,
     [("genre", "Film-Noir", W, {}), ("genre", "Western", W, {})]),
    # years
    ("something funny from the 90s", NONE,
     [("genre", "Comedy", W, {}), ("year", "1990-1999", W, {"year_min": 1990, "year_max": 1999})]),
    ("the nineties", NONE, [("year", "1990-1999", W, {})]),
    ("'80s action", NONE, [("year", "1980-1989", W, {}), ("genre", "Action", W, {})]),
    ("before 2000", NONE, [("year", "-1999", W, {"year_min": None, "year_max": 1999})]),
    ("after 2010", NONE, [("year", "2011-", W, {"year_min": 2011})]),
    ("since 2010", NONE, [("year", "2010-", W, {"year_min": 2010})]),
    ("2010 onwards", NONE, [("year", "2010-", W, {})]),
    ("between 1990 and 1995", NONE, [("year", "1990-1995", W, {})]),
    ("from 1990 to 1995", NONE, [("year", "1990-1995", W, {})]),
    ("1990-1995", NONE, [("year", "1990-1995", W, {})]),
    ("late 70s", NONE, [("year", "1976-1979", W, {})]),
    ("around 1995", NONE, [("year", "1993-1997", W, {})]),
    ("something recent", NONE, [("year", "2012-", W, {"year_min": 2012, "year_max": None})]),
    ("new movies", NONE, [("year", "2012-", W, {})]),
    ("something new", NONE, []),
    ("from the last 10 years", NONE, [("year", "2007-", W, {})]),
    ("an old classic", NONE, [("year", "-1979", W, {}), ("year", "-1979", W, {})]),
    ("old school", NONE, [("year", "-1979", W, {})]),
    ("older", THREE_SHOWN, [("year", "-1994", W, {"year_max": 1994})]),
    ("newer", THREE_SHOWN, [("year", "2011-", W, {"year_min": 2011})]),
    ("older", NONE, [("year", "-1999", W, {})]),
    ("newer", NONE, [("year", "2010-", W, {})]),
    ("not too old", NONE, [("year", "-1979", U, {})]),
    ("I'm 30 years old", NONE, []),
    ("it never gets old", NONE, []),
    # keywords
    ("less violent", NONE, [("attribute", "violence:down", U, {"weights": (
        ("Horror", -1.0), ("War", -1.0), ("Crime", -1.0), ("Action", -0.5), ("Thriller", -0.5),
        ("Comedy", 1.0), ("Children", 1.0), ("Romance", 0.5), ("Animation", 0.5),
        ("Musical", 0.5))})]),
    ("a movie about time travel", NONE, [("keyword", "time travel", W, {})]),
    ("with a twist ending", NONE, [("keyword", "twist ending", W, {})]),
    ("something about a dog", NONE, [("keyword", "dog", W, {})]),
    ("not too long", NONE, [("attribute", "length:down", U, {"weights": ()})]),
    ("dark and sad", NONE, [("attribute", "darkness:up", W, {}),
                            ("attribute", "sadness:up", W, {})]),
    ("how long is it", NONE, []),
    ("a space movie", NONE, [("keyword", "space", W, {})]),
    # references to the last shown list
    ("the second one", THREE_SHOWN, [("reference", "2", W, {"item_ids": ("79132",)})]),
    ("the 2nd", THREE_SHOWN, [("reference", "2", W, {"item_ids": ("79132",)})]),
    ("what's the second about", THREE_SHOWN, [("reference", "2", W, {"item_ids": ("79132",)})]),
    ("is the third any good", THREE_SHOWN, [("reference", "3", W, {"item_ids": ("2762",)})]),
    ("the first two", THREE_SHOWN, [("reference", "1,2", W, {"item_ids": ("6", "79132")})]),
    ("that one", THREE_SHOWN, [("reference", "1", W, {"item_ids": ("6",), "confidence": 0.5})]),
    ("that one", ONE_SHOWN, [("reference", "1", W, {"item_ids": ("1221",)})]),
    ("more like the second one", THREE_SHOWN, [("reference", "2", W, {"item_ids": ("79132",)})]),
    ("I didn't like the second one", THREE_SHOWN,
     [("reference", "2", U, {"item_ids": ("79132",)})]),
    ("the last one", THREE_SHOWN, [("reference", "last", W, {"item_ids": ("2762",)})]),
    ("#2", THREE_SHOWN, [("reference", "2", W, {"item_ids": ("79132",)})]),
    ("number 3 please", THREE_SHOWN, [("reference", "3", W, {"item_ids": ("2762",)})]),
    ("option two", THREE_SHOWN, [("reference", "2", W, {"item_ids": ("79132",)})]),
    ("both", TWO_SHOWN, [("reference", "1,2", W, {"item_ids": ("1", "6377")})]),
    ("none of them", THREE_SHOWN,
     [("reference", "all", U, {"item_ids": ("6", "79132", "2762")})]),
    ("seen it", ONE_SHOWN, [("reference", "1", W, {"item_ids": ("1221",)})]),
    ("more like that", ONE_SHOWN, [("reference", "1", W, {"item_ids": ("1221",)})]),
    ("I've seen heat", THREE_SHOWN, [("title", "6", W, {"item_ids": ("6",)})]),
    ("the godfather one", ONE_SHOWN, [("title", "1221", W, {"item_ids": ("1221",)})]),
    ("the fifth one", THREE_SHOWN, [("reference", "5", W, {"item_ids": ()})]),
    ("the first time I saw it", NONE, []),
    # several at once, and where negation stops
    ("no horror from the 80s, something with Tom Hanks", NONE,
     [("genre", "Horror", U, {}), ("year", "1980-1989", U, {}),
      ("person", "Tom Hanks", W, {"role": "actor"})]),
    ("I love Nolan but hate long movies", NONE,
     [("person", "Christopher Nolan", W, {}), ("attribute", "length:down", U, {})]),
    ("a thriller instead of a drama", NONE,
     [("genre", "Thriller", W, {}), ("genre", "Drama", U, {})]),
    ("I didn't like the first two, how about star wars or alien", THREE_SHOWN,
     [("reference", "1,2", U, {}), ("title", "260", W, {}), ("keyword", "aliens", W, {})]),
]
# fmt: on


@pytest.mark.parametrize(("text", "context", "expected"), CASES, ids=[c[0] for c in CASES])
def test_entity_table(lexicon, text, context, expected):
    entities = extract_entities(text, lexicon, context)
    got = [(e.type, e.value, e.polarity) for e in entities]
    assert got == [(t, v, p) for t, v, p, _ in expected], entities
    for entity, (_, _, _, extra) in zip(entities, expected, strict=True):
        for name, value in extra.items():
            assert getattr(entity, name) == value, (name, entity)


def test_offsets_point_into_the_utterance(lexicon):
    text = "Not a romance, maybe Léon or something from the '90s by Kubrick"
    entities = extract_entities(text, lexicon)
    assert [e.type for e in entities] == ["genre", "title", "year", "person"]
    for entity in entities:
        assert text[entity.start : entity.end] == entity.text


def test_without_a_shown_list_no_reference_resolves_to_items(lexicon):
    for text in (
        "the second one",
        "that one",
        "the first two",
        "both",
        "all of them",
        "it",
        "#2",
        "the last one",
        "none of them",
    ):
        for entity in extract_entities(text, lexicon, ParseContext()):
            assert entity.type == "reference" and entity.item_ids == (), entity
    # ordinals are kept (the policy can say nothing was shown yet); pronouns are not references
    [ordinal] = extract_entities("the second one", lexicon)
    assert (ordinal.value, ordinal.item_ids) == ("2", ())
    assert extract_entities("that one", lexicon) == []
    assert extract_entities("both", lexicon) == []


def test_accents_articles_and_case_do_not_matter(lexicon):
    for text in ("amelie", "Amélie", "AMÉLIE", "le fabuleux destin d'amelie poulain"):
        assert [e.value for e in extract_entities(text, lexicon)] == ["4973"], text
    for text in ("leon the professional", "Léon", "the professional"):
        assert [e.value for e in extract_entities(text, lexicon)] == ["293"], text
    for text in ("shawshank redemption", "The Shawshank Redemption", "SHAWSHANK REDEMPTION"):
        assert [e.value for e in extract_entities(text, lexicon)] == ["318"], text


def test_a_shown_title_wins_over_a_more_popular_namesake(lexicon):
    context = ParseContext(last_shown=(ShownItem("4432", "Heat", 1986),))
    [entity] = extract_entities("I've seen Heat", lexicon, context)
    assert entity.item_ids == ("4432",)


def test_recent_follows_the_reference_year():
    lexicon = EntityLexicon.from_catalog(make_catalog())  # newest fixture film: 2014
    [entity] = extract_entities("something recent", lexicon)
    assert (entity.year_min, entity.year_max) == (2010, None)


def test_entities_never_overlap_and_are_sorted(lexicon):
    text = "no more star wars or nolan, something like the godfather part 2 from the 70s"
    entities = extract_entities(text, lexicon)
    spans = sorted({(e.start, e.end) for e in entities})
    assert [e.start for e in entities] == sorted(e.start for e in entities)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert [(e.type, e.polarity) for e in entities] == [
        ("title", UNWANTED),
        ("person", UNWANTED),
        ("title", WANTED),
        ("year", WANTED),
    ]
