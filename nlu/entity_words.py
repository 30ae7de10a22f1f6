"""Word lists for entity extraction: stop words, common words, genre and keyword lexicons, cues.

All entries are written in normalised form (lower case, no accents, no apostrophes: "dont"),
as `nlu.normalize.normalize_words` produces them. Multi-word entries are space-separated.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> frozenset[str]:
    """Comma-separated phrases, whitespace normalised."""
    return frozenset(" ".join(p.split()) for p in text.split(",") if p.strip())


# Function words: a title made only of these ("It", "Her", "Up", "Us", "What If") never matches
# unless quoted or capitalised mid-sentence.
STOPWORDS = _words(
    """a about above after again against all also am an and any anything are as at be because been
    before being below between both but by can could did do does doing down during each else even
    ever every few for from further get got had has have having he her here hers herself him
    himself his how i if im in into is it its itself just let like me more most much must my
    myself no nor not now of off on once one only or other others our ours ourselves out over own
    same she should so some something than that the their theirs them themselves then there these
    they this those through to too under until up us very was we were what when where which while
    who whom why will with would yet you your yours yourself ive id ill youre dont doesnt didnt
    cant wont isnt arent wasnt werent havent hasnt hadnt wouldnt couldnt shouldnt thats whats
    theres lets also maybe please ok okay yes yeah yep nope nah hi hello hey thanks thank well oh
    another many such again ago away back still whatever whoever someone somebody anyone anybody
    everyone everybody nobody none nothing everything somewhere anywhere everywhere tonight today"""
)

# Ordinary English words: a title made only of these ("Heat", "Big", "Seven", "Crash", "Signs")
# needs evidence: quotes, capitals mid-sentence, or a cue before ("seen", "loved", "like").
# More ordinary words come from the catalog at build time (see `nlu.lexicon`).
COMMON_WORDS = STOPWORDS | _words(
    """able absolute accident across act action actually add adult adults advice afraid age ages
    agent ahead air alive almost alone along already alright always amazing american angel angels
    angry animal animals answer anyway apart apartment army around art ask asleep attack attention
    aunt average awake award awards away awesome awful baby bad badly bag ball band bank bar base
    basic bathroom battle beach bear beast beat beautiful beauty become bed bedroom beer begin
    beginning behind believe bell belong best better beyond big bigger bill bird birds birth
    birthday bit bite black blind block blood blow blue board boat body bomb bond bone book books
    boom border bored boring born boss bottom box boy boys brain brave bread break breakfast
    breaking breath bride bridge bright bring broke broken brother brothers brown buddy build
    building burn bus business busy buy call called calm came camera camp car card care career
    careful carry cars case cash cat catch caught cause cell center certain chain chair chance
    change chaos character characters charge chase cheap check cheese chicken chief child childhood
    choice choose church circle city class classic clean clear clever close closer clothes cloud
    club coach coast code coffee cold college color colors come comes comfort coming common company
    complete computer contact contact control cook cool cop cops copy corner cost couch count
    country couple course court cousin cover crash crazy create creature crew crime cross crowd
    cry cup cut cute dad daddy damage dance danger dangerous dare dark darkness date daughter day
    days dead deadly deal dear death decide deep deer defense desert design desire detail devil
    diary die died different difficult dinner direct dirty discover disease distance doctor dog
    dogs doll dollar door double doubt dragon draw dream dreams dress drink drive driver drop drug
    drugs drunk dry duck dust duty early earth east easy eat edge effect egg eight either election
    empty end ending enemy energy enjoy enough enter entire episode escape evening event evil exact
    exactly example excellent exciting excuse expect experience explain extra eye eyes face fact
    fail fair faith fall family famous fan fans fantastic far farm fast fat father favorite fear
    feel feeling feelings fell fellow felt female fever field fight fighter fighting figure file
    fill final finally find fine finger finish fire first fish five fix flash flight floor flower
    fly follow food fool foot force forest forever forget forgive fortune forward found four free
    freedom fresh friday friend friends friendship front frozen fruit full fun funny future game
    games garden gas gate general gentleman get ghost ghosts gift girl girlfriend girls give glad
    glass glory go goal god gods gold golden gone good goodbye grace grand grandma grass gravity
    great green ground group grow guard guess guest gun guns guy guys hair half hall hand hands
    hang happen happened happy hard hate head heal health hear heart hearts heat heaven heavy
    hell help hero heroes hidden hide high hill history hit hold hole holiday holidays home honey
    honor hook hope horse hospital host hot hotel hour hours house human humans hunt hunter hunting
    hurry hurt husband ice idea ideas ill image imagine important impossible inside instead island
    issue jack job join joke journey joy judge jump jungle junior justice keep key kick kid kids
    kill killer killing kind king kingdom kiss kitchen knew knife knight knock know known lady lake
    land language large last late later laugh law lawyer lay lead leader learn least leave left leg
    legend less lesson letter level liar lie life lift light lights line lion list listen little
    live lives living local lock lonely long look looking loose lose loss lost lot loud love lovely
    lover lovers low luck lucky lunch machine mad magic mail main major make maker making male mama
    man manager many map mark market marriage married master match matter mean meet meeting member
    memory men mess message middle midnight might mind mine minute minutes mirror miss missing
    mission mister mistake model mom moment money monkey monster monsters month moon morning mother
    mountain mouse mouth move movie movies mr mrs mum murder music mystery naked name names nation
    natural nature near neck need neighbor nerve never new news next nice night nightmare nine noise
    normal north nose note notice number nurse ocean odd offer office officer often oil old older
    open opening opinion order ordinary original outside page pain paint pair palace panic paper
    paradise parents park part partner party pass past path pay peace people perfect person pet
    phone photo pick picture piece pig place plan planet plant play player please plenty plot point
    poison police poor pop power pray prayer present president pretty price pride prince princess
    prison private prize problem promise proof proud public pull punch pure push put queen question
    quick quiet race radio rage rain rainbow raise range rat reach read ready real really reason
    red relax remember rescue rest return revenge rich ride right ring rise risk river road rock
    roll room rose rough round rule rules run runner running rush sad safe sail saint sale salt sand
    save say scene school science score scream sea search season seat second secret secrets see
    seed seek seem self sell send sense serious seven sex shadow shadows shake shame shape share
    sharp shed ship shock shoot shooting shop short shot shout show shut sick side sight sign
    signs silence silent simple sing single sister sisters sit six size skin sky sleep sleeping
    slow small smart smell smile smoke snake snow soldier soldiers son song soon sorry soul sound
    south space speak special speed spell spirit spot spring spy square stage stand star stars
    start state stay steal step stick stone stop store storm story strange stranger street strong
    student study stuff stupid style success sudden sugar summer sun sunday sunshine super sure
    surprise survive sweet swim system table tail take taken tale tales talk tall taste tea teach
    teacher team tears teeth tell ten terrible test thing things think third thirteen thousand
    three throw ticket tight time times tiny title toast together tomorrow tonight tooth top total
    touch tough tour town toy toys track trade traffic train trap trash travel treasure tree trick
    trip trouble truck true trust truth try turn twelve twenty twice twin twins two type ugly uncle
    understand unknown upon upset use used usual vacation valley victim view village visit voice
    wait wake walk wall want war warm warning wash watch water wave way weak wealth wear weather
    wedding week weekend weird west wet wheel white whole wide wife wild win wind window wine wings
    winner winter wish witch witness wolf woman women wonder wonderful wood word words work world
    worry worse worst write wrong yard year years yellow young youth zero zone"""
)

# More ordinary words that are also single-word film titles in MovieLens ("Hype!", "Paycheck",
# "Gotcha!"), and places (a place is capitalised anyway, so capitals are no evidence).
COMMON_WORDS = COMMON_WORDS | _words(
    """adaptation affliction afterglow anatomy angst apache aria atrocious avalanche awakenings
    babe babies babysitter bachelorette bananas barefoot battleship beaches beaver beginners
    believers bellboy bent blended blink blowout bogus boomerang bounce brainstorm brake brat
    breakout breathless brotherhood bulletproof burglar burlesque cache canal carnage carousel
    carriers catfish caveman champ cheetah cherish chopper chronicle cleaner clique clockwise
    clowns cobbler cobra comedian comet commitments communion compulsion conception concussion
    confessions congress conspirator contender contraband cooler copycat cosmos cove covenant
    crank creep crossfire crossover crossroads crucible cruising crumb crybaby cube deadfall
    defender delirious departures derailed descendants detour devils dictator dimples disclosure
    dish diva dogfight domino doomsday dope dragonfly drained dreamers dummy duplex duplicity
    earthling elegy endurance enigma entrapment envy equalizer equilibrium eraser eulogy eureka
    evolution excision explorers extremities faculty fearless felon felony filth firelight
    fireproof firestorm firewall firstborn flawless flipped fluke forsaken fracture frailty freaks
    freeway frequency freshman gamer gaslight gauntlet glitter godsend godson goosebumps gothic
    gotcha governess groove grudge guru gypsy hangover happenstance hardball hardcore hated
    haunting headhunters heartbreakers heartburn heartless hideaway homegrown hoodlum hoodwinked
    horns howl hunger hunted hush hype idiots impostor imposter impostors indiscreet inescapable
    inferno inhale ink innocents insider insomnia insurgent intact interiors internship
    intersection invincible involuntary jackal jerk juror kaboom kissed kite knot leopard
    liability lifeboat lifeguard limbo limelight limit limitless lobster lockout loft lookout
    losers lovesick lunacy lured machete maelstrom magicians majestic malice maniac mannequin
    martyrs matador matchmaker meatballs medallion mermaids meteor metro millennium mimic mirage
    misfits munchies muse narc negotiator nightcap nomads nonstop notebook novocaine nuts
    oblivion oceans orphans outbreak outlander overboard pacifier paparazzi paperboy parasite
    parenthood partisan pathfinder pathology patriot pawnbroker payback paycheck peacemaker
    persuasion pest phantom phantoms phenomena piranha pixels playtime postman predators
    premonition priceless primer prophet proposition protector psycho pulse punchline pusher
    quarantine rainmaker rapture ravenous rebound recount redline relic renaissance replacements
    repossessed repulsion restoration retroactive rewrite ringer rite roadkill robe romantics
    roommates rounders runaways rundown salsa samba savages scarecrow scoop scratch screamers
    screwed searchers senseless sentinel serendipity setup severance shag shallows shine shiver
    shivers shooter showtime shrink sideways silk singles sirens sitter skulls skyline slacker
    slackers slam sleeper sleepers sleepover slither sliver snapper sneakers snowman socialism
    soloist somersault sorcerer spartan spawn sparkle specialist specials speechless sphere
    splash splendor splice splinter spotlight sprung spun stag stakeout stalker stardom stealth
    storytelling straightjacket streamers stripes striptease stupids summertime sunless
    superstar supernova surrogate surrogates swingers switchback syrup takers tango tangled tap
    taps tarantula temp tenant testament thesis thinner threads threesome tomcats tourist
    trainwreck traveller trespass troll turbo turbulence tusk tuxedo twilight ultraviolet unbroken
    undefeated undertow undisputed unforgettable uninvited unleashed unstoppable unsuspected
    unthinkable untraceable vacancy vagabond valiant vamp vamps vanishing volcano voyeur
    wanderers wanderlust warlock watcher watchers wetlands whistleblower whiteout whore willow
    wisdom wit wolfpack womb wordplay wrestler zoom lesser spacey
    alaska annapolis aspen avalon barcelona berlin boston brooklyn california canada chicago
    china congo england europa everest france gettysburg havana himalaya hollywood india ireland
    italy japan kandahar london manhattan mexico munich nashville nebraska niagara nuremberg
    oklahoma paris philadelphia rome russia sahara salvador scotland spain stalingrad texas tokyo
    vegas wimbledon woodstock"""
)

# Words written with a capital anyway: capitals are no sign of a title ("American official").
ALWAYS_CAPITALISED = _words(
    """american english british french german italian spanish japanese chinese korean indian irish
    scottish mexican russian canadian australian african asian european christian jewish muslim
    catholic monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december christmas halloween easter
    thanksgiving"""
)

# Words that name a kind of film, a mood or a topic: never a title on their own (a title "Drama"
# or "Funny" matches only when quoted).
MOVIE_NOUNS = _words(
    """movie movies film films flick flicks one ones stuff thing things show shows series title
    titles genre genres kind kinds sort sorts type types picture pictures story stories cinema
    feature features option options choice choices pick picks suggestion suggestions
    recommendation recommendations scene scenes content parts bits plot ending endings vibe vibes
    tone feel atmosphere characters theme themes"""
)

# Phrase → catalog genre names (MovieLens). A phrase may name two genres ("rom com").
GENRE_LEXICON: dict[str, tuple[str, ...]] = {}


def _genre(genres: tuple[str, ...], phrases: str) -> None:
    for phrase in phrases.split(","):
        GENRE_LEXICON[" ".join(phrase.split())] = genres


_genre(
    ("Comedy",),
    "comedy, comedies, funny, funnier, funniest, hilarious, laugh, laughs, "
    "laughing, humor, humour, humorous, comedic",
)
_genre(
    ("Romance",), "romance, romances, romantic, love story, love stories, chick flick, chick flicks"
)
_genre(("Romance", "Comedy"), "rom com, rom coms, romcom, romcoms")
_genre(("Comedy", "Drama"), "dramedy, dramedies")
_genre(
    ("Horror",),
    "horror, horrors, scary, scarier, scariest, creepy, spooky, frightening, "
    "terrifying, horror movie, horror movies",
)
_genre(("Sci-Fi",), "sci fi, scifi, science fiction, sf")
_genre(("Animation",), "animated, animation, animations, cartoon, cartoons, pixar, anime")
_genre(
    ("Children",),
    "kids, children, childrens, family, family friendly, kid friendly, "
    "for kids, kids movie, kids movies",
)
_genre(("Thriller",), "thriller, thrillers, suspense, suspenseful, thrilling")
_genre(("Action",), "action, action packed")
_genre(("Adventure",), "adventure, adventures, adventurous")
_genre(("Crime",), "crime, crimes, gangster, gangsters, mafia, mob")
_genre(("Documentary",), "documentary, documentaries, doc, docs, docu")
_genre(("Drama",), "drama, dramas, dramatic")
_genre(("Fantasy",), "fantasy, fantasies")
_genre(("Film-Noir",), "noir, film noir, noirs")
_genre(("Musical",), "musical, musicals")
_genre(("Mystery",), "mystery, mysteries, whodunit, whodunnit, whodunits")
_genre(("War",), "war, war movie, war movies, war film, war films")
_genre(("Western",), "western, westerns, cowboy, cowboys")
_genre(("IMAX",), "imax")

# Phrase → canonical keyword. "space" and "heist" are keywords, not genres: space films spread over
# Sci-Fi, Adventure and Drama (Apollo 13 is not Sci-Fi), heists over Crime, Thriller and Comedy, so
# a hard genre constraint would drop good matches; the keyword moves the interest vector instead.
KEYWORD_LEXICON: dict[str, str] = {}


def _keyword(canonical: str, phrases: str = "") -> None:
    KEYWORD_LEXICON[canonical] = canonical
    for phrase in phrases.split(","):
        if phrase.strip():
            KEYWORD_LEXICON[" ".join(phrase.split())] = canonical


_keyword("violent", "violence, brutal, brutality")
_keyword("gory", "gore, bloody, gruesome, splatter")
_keyword("dark", "gritty, bleak, grim")
_keyword("sad", "depressing, tearjerker, tear jerker, tragic, heartbreaking, sadder")
_keyword("uplifting", "inspiring, inspirational, heartwarming, heart warming, wholesome")
_keyword("feel-good", "feel good, feelgood")
_keyword("lighthearted", "light hearted, light, lighter")
_keyword("slow", "slow paced, slow burn")
_keyword("fast-paced", "fast paced")
_keyword("long", "lengthy, longer")
_keyword("short", "shorter")
_keyword("twist", "twists, plot twist, plot twists")
_keyword("twist ending", "twist endings, surprise ending")
_keyword("heist", "heists, robbery, robberies, bank robbery")
_keyword("zombies", "zombie")
_keyword("vampires", "vampire")
_keyword("werewolves", "werewolf")
_keyword("aliens", "alien, extraterrestrial, extraterrestrials")
_keyword("space", "outer space")
_keyword("time travel", "time traveling, time travelling")
_keyword("superhero", "superheroes, super hero, super heroes, comic book, comic books")
_keyword(
    "based on a true story",
    "true story, true stories, based on true events, real events, "
    "based on real events, based on a true events",
)
_keyword("biopic", "biopics, biography, biographical")
_keyword("robots", "robot")
_keyword("dinosaurs", "dinosaur")
_keyword("sports", "sport")
_keyword("high school")
_keyword("coming of age")
_keyword("dystopian", "dystopia")
_keyword("post-apocalyptic", "post apocalyptic, apocalypse, apocalyptic")
_keyword("serial killer", "serial killers")
_keyword("psychological")
_keyword("mind-bending", "mind bending, mindbending, mind blowing, mind bender")
_keyword("thought-provoking", "thought provoking")
_keyword("clever", "smart, intelligent")
_keyword("quirky", "weird, offbeat")
_keyword("cheesy", "campy")
_keyword("intense")
_keyword("epic", "epics")
_keyword("ghosts", "ghost, haunted, haunted house")
_keyword("monsters", "monster")
_keyword("sharks", "shark")
_keyword("pirates", "pirate")
_keyword("spy", "spies, espionage")
_keyword("detective", "detectives")
_keyword("courtroom", "legal drama")
_keyword("prison")
_keyword("road trip")
_keyword("survival")
_keyword("disaster", "disasters")
_keyword("revenge")
_keyword("christmas", "xmas")
_keyword("martial arts", "kung fu")
_keyword("satire", "satirical")
_keyword("parody", "spoof")
_keyword("slapstick")
_keyword("indie", "independent")
_keyword("foreign", "foreign language, subtitled, subtitles")
_keyword("black and white")
_keyword("silent")
_keyword("cult", "cult classic, cult classics")
_keyword("acclaimed", "critically acclaimed, award winning, oscar winning, oscar winner")
_keyword("blockbuster", "blockbusters")
_keyword("magic", "witches, witch, wizards, wizard")
_keyword("dance", "dancing")
_keyword("music")

# Keywords that are adjectives ("dark", "long"): they count only when they modify a film
# ("a dark movie", "too long", "dark and sad"), not another noun ("dark side", "long time").
ADJECTIVE_KEYWORDS = frozenset(
    "violent dark sad slow long short lighthearted light lighter longer shorter clever smart "
    "intelligent quirky weird cheesy intense epic brutal bleak grim silent foreign independent "
    "indie psychological".split()
)

# Words that may follow an adjectival keyword or year word without stealing it ("old movies").
FOLLOWERS_OK = MOVIE_NOUNS | _words(
    """and or but nor please too with from that which for like than enough anymore about in of by
    set maybe either though instead tonight now lol haha either as to is are was this its im i
    me we you also plz pls thanks"""
)

# --- cues for titles and people -------------------------------------------------------------

# A guarded (common-word) title right after one of these is taken: "I loved Heat", "seen Up".
TITLE_CUES = _words(
    """seen saw watched rewatched loved love liked like enjoyed adore adored hated called titled
    named"""
)
# Capitals are no evidence for an ordinary one-word title after these: "set in Chicago".
# "the new Dune", "the latest Mission: Impossible": the newest film of that title is meant, and
# none, if the catalog's is years old (nlu/unknown_titles.py)
NEW_CUES = _words("new newest latest upcoming recent")
LOCATIVES = _words("in at to from near around across into through outside inside visit")
# An all-number title ("Seven") is no title before these: "seen two of them", "seen 3 times".
NUMBER_FOLLOWERS = _words("of times more others other years hours minutes days weeks months or")
TITLE_CUE_BIGRAMS = _phrases(
    """what about, how about, similar to, good as, same as, better than, worse than, movie called,
    film called, movies like, films like, something like"""
)

# Words just before a person that make them an actor ("starring X", "with X").
ACTOR_CUES = _words(
    "starring stars star with actor actress featuring feat cast played plays acting acted"
)
DIRECTOR_CUES = _words("by director directed directors filmmaker")

# --- negation --------------------------------------------------------------------------------

# Cue phrases that put what follows, up to the end of the clause, in UNWANTED polarity.
NEGATION_CUES = _phrases(
    """not, no, no more, dont, do not, doesnt, does not, didnt, did not, wont, will not, wouldnt,
    would not, isnt, is not, arent, wasnt, never, without, anything but, except, excluding,
    exclude, other than, hate, hated, hates, dislike, disliked, cant stand, cannot stand,
    can not stand, tired of, sick of, avoid, nothing, skip, none of, neither, nor, less, fewer,
    instead of, rather than, but not, too, enough of, pass on, not into, no longer, cant watch,
    cannot watch, cant handle, cant take, cant do"""
)
# Phrases that look negative but are not: "I don't mind horror", "not bad", "nothing but comedies".
NEGATION_EXCEPTIONS = _phrases(
    """dont mind, do not mind, wouldnt mind, would not mind, not mind, dont care, do not care,
    not bad, not sure, not only, no problem, no worries, why not, nothing but, not just,
    never mind, no matter, doesnt matter, does not matter, cant wait, cannot wait, can not wait,
    cant go wrong, not seen, never seen, not watched, never watched, no thanks, no thank,
    dont know, not yet, too much, cant remember, cant think, doesnt have to, does not have to,
    dont have to, do not have to, dont need, doesnt need, not necessarily, no need, cant decide,
    cannot decide, cant choose, cant pick"""
)
# "no" is not a negation when a new sentence follows it: "no I want a comedy", "no, ...".
NO_FOLLOWERS_NOT_NEGATED = _words(
    "i id im ive we you thanks thank way one idea clue actually wait sorry")
# Words that close a negation's scope (besides clause punctuation).
SCOPE_BREAKERS = _words(
    "but though although however instead whereas yet maybe rather just "
    "more prefer preferably ideally"
)
# Two words that start a new request and so close a negation's scope even without punctuation:
# "I don't like horror what about thrillers", "no gore i love thrillers though".
NEW_REQUEST_STARTERS = _phrases(
    """what about, how about, what else, i like, i love, i want, i prefer, i enjoy, i need,
    i really, i would, i do, id like, id love, id prefer, im into, im looking, im more, give me,
    show me, can you, could you, do you, is there, are there, looking for, lets try, lets see,
    go for, something like"""
)
# One word that does the same: "no horror, recommend a thriller", "not romance instead".
NEW_REQUEST_WORDS = _words("recommend suggest else also otherwise")
# "and" closes the scope when a new clause starts: "no horror and I want ...".
AND_CLAUSE_STARTERS = _words(
    "i id im ive we you something anything maybe also rather just more preferably please"
)
