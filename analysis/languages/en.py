"""English: the reference language (its nudge keys are the ones every table must have)."""

from __future__ import annotations

from .table import LanguageTable

# Spoken and written workplace English; the bloat core's stop words are scikit-learn's ENGLISH_STOP_WORDS (the list
# it used before this table; tests/analysis/test_language_tables.py checks they still agree).
STOP_WORDS = tuple("""
a about above across after afterwards again against all almost alone along already also although always am
among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere are around as at back
be became because become becomes becoming been before beforehand behind being below beside besides between
beyond bill both bottom but by call can cannot cant co con could couldnt cry de describe detail do done down
due during each eg eight either eleven else elsewhere empty enough etc even ever every everyone everything
everywhere except few fifteen fifty fill find fire first five for former formerly forty found four from front
full further get give go had has hasnt have he hence her here hereafter hereby herein hereupon hers herself him
himself his how however hundred i ie if in inc indeed interest into is it its itself keep last latter latterly
least less ltd made many may me meanwhile might mill mine more moreover most mostly move much must my myself
name namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere of off often
on once one only onto or other others otherwise our ours ourselves out over own part per perhaps please put
rather re same see seem seemed seeming seems serious several she should show side since sincere six sixty so
some somehow someone something sometime sometimes somewhere still such system take ten than that the their them
themselves then thence there thereafter thereby therefore therein thereupon these they thick thin third this
those though three through throughout thru thus to together too top toward towards twelve twenty two un under
until up upon us very via was we well were what whatever when whence whenever where whereafter whereas whereby
wherein whereupon wherever whether which while whither who whoever whole whom whose why will with within
without would yet you your yours yourself yourselves
""".split())

GENERIC_WORDS = tuple("""
team teams everyone everybody all hi hello hey morning afternoon evening weekend week weeks today hope hoping
well moment take taking share sharing shared update updates quick thanks thank much truly really
question questions concern concerns thought thoughts feel free reach out door always open know let
keep going continue continuing continued journey together progress incredible great amazing awesome
value values culture continuous improvement collaboration collective strength strengths opportunity
opportunities growth momentum excellence commitment dedication flexibility hard work working effort
efforts ongoing important importance aligned alignment stay staying landscape evolving navigate
initiative underscores delivering deliver robust seamless experience experiences customers pivotal role
shaping long-term success successful highlight highlights key insights leverage explore delve unlock
greater even meaningful valuable learnings learning phase next step steps refining refine feedback
relevant channels channel tuned further monitor monitoring adjust approach needed strong across
appreciate appreciation message finds directly impacts prioritise prioritize coming focus energy
strategic high-quality quality clarification need help any anything else cheers best regards kind
looking forward reflect made making ensure smooth understanding cooperation colleagues friendly reminder
fostering foster wanted want wish thrilled excited proud pleased happy glad note noting worth
invested lot change easy never many dedicated support supporting good moving allows allow means mean new
whole things thing stuff ahead exciting big bigger having productive wonderful fantastic
""".split())

ANTONYMS = (
    "increase decrease", "increased decreased", "increases decreases", "increasing decreasing", "rise fall",
    "rose fell", "raise lower", "raised lowered", "higher lower", "more less", "gain loss", "gained lost",
    "grow shrink", "growth decline", "up down", "above below", "add remove", "added removed", "include exclude",
    "included excluded", "including excluding", "accept reject", "accepted rejected", "approve reject",
    "approved rejected", "agree disagree", "agreed disagreed", "confirm deny", "confirmed denied", "allow forbid",
    "allowed forbidden", "enable disable", "enabled disabled", "start stop", "started stopped", "begin end",
    "open close", "opened closed", "before after", "early late", "earlier later", "first last", "success failure",
    "successful unsuccessful", "positive negative", "strong weak", "stronger weaker", "profit loss",
    "profitable unprofitable", "expand reduce", "expanded reduced", "expansion reduction", "buy sell",
    "bought sold", "hire fire", "hired fired", "win lose", "won lost", "easy difficult", "simple complex",
    "cheap expensive", "cheaper costlier", "fast slow", "faster slower", "major minor", "maximum minimum",
    "best worst", "better worse", "good bad", "satisfied dissatisfied", "happy unhappy", "likely unlikely",
    "possible impossible", "available unavailable", "complete incomplete", "completed pending",
    "internal external", "public private", "required optional", "mandatory optional", "same different",
    "always never", "all none", "everyone nobody", "upgrade downgrade", "long short", "longer shorter",
    "large small", "larger smaller", "high low", "interested uninterested", "willing unwilling", "able unable",
    "agreed refused", "supports opposes", "support oppose", "optimistic pessimistic", "confident doubtful",
    "certain uncertain", "permanent temporary", "ahead behind", "exceeded missed", "beat missed",
    "surplus deficit", "inflow outflow", "import export", "inbound outbound",
)

NUDGE = {
    "title": "A private note on your message in {channel} (only you can see this)",
    "core": "This {words}-word message carries its facts and content in {n} of its {m} sentences:",
    "core_none": "This {words}-word message states no date, owner, decision or ask; its content fits in "
                 "this sentence:",
    "cost": "About {readers} people can read it here: roughly *{minutes} reader-minutes*, {padding} of them "
            "on the other sentences. A version with only these saves them that.",
    "reasons": "What stood out: {reasons}.",
    "r_filler": "stock phrases ({phrases})", "r_length": "{ratio}× this conversation's usual message length",
    "r_structure": "formatting rare in chat ({items})",
    "s_header": "{n} markdown header{s}", "s_bold": "{n} bold label{s}", "s_bullet": "{n} bullet points",
    "s_emoji": "{n} emoji",
    "why_core": "*The sentences that carry the content* (a shorter version keeps these):",
    "why_dropped": "*The other {n} sentences* ({words} of {total} words) state no date, number, owner, "
                   "decision, link or ask, and no content the ones above lack.",
    "why_score": "Bloat score {score} on 0–1 (a weighted sum of padding, stock phrases, formatting and length; "
                 "from 0.45 a note is sent).",
    "why_facts": "*Facts of <{link}|the announcement> and what your message says:*",
    "why_source": "the announcement: “{sentence}”", "why_yours_lost": "your message: not found",
    "why_yours": "your message: “{evidence}”",
    "why_match": "Your message was linked to it by {method}; if it is not its source, ignore this note.",
    "m_share": "a share or link to it", "m_forward": "a forwarded copy of it", "m_similarity": "shared words "
               "and meaning (this can be wrong)",
    "role_link": "link", "role_ask": "ask", "role_decision": "decision", "role_adds": "adds: {words}",
    "facts": "It reads like a summary of <{link}|this announcement>, but does not carry these facts of it:",
    "fix": "Readers may act on your version; adding them back keeps everyone on the same facts.",
    "why": "Show me why", "not_helpful": "Not helpful", "stop": "Stop these nudges",
    "lost": "missing", "distorted": "different in your message",
    "thanks": "Thanks, noted: this helps us nudge better.",
    "stopped": "Done: no more nudges, and your messages are no longer analysed. `/slopradar opt-in` undoes it.",
    "started": "Nudges are back on. `/slopradar opt-out` stops them.",
    "status_on": "Nudges are *on* for you. You got {n} today (at most {cap} a day).",
    "status_off": "Nudges are *off* for you; your messages are not analysed.",
    "help": "*/slopradar* — private notes about long messages and facts lost in summaries, visible only to "
            "you.\n• `/slopradar opt-out` stop nudges and analysis of your messages\n• `/slopradar opt-in` turn "
            "them back on\n• `/slopradar status` your current setting",
    "why_title": "Why this note",
    "home_title": "slopradar: your own signals",
    "home_empty": "No analysed messages of yours yet.",
    "home_state_on": "Nudges: *on*", "home_state_off": "Nudges: *off* (your messages are not analysed)",
    "home_row": "{when} · {channel} · {words} words · bloat {bloat} · {facts}",
    "facts_lost": "{n} facts missing", "no_facts": "no facts missing",
}

_ASSENTS = ("sure", "certainly", "of course", "absolutely", "okay", "ok", "got it", "no problem")  # "Sure! Here's ..."

# what a report of another message opens with (`narrations`, `reported_questions`): a sentence, line or bullet start,
# then its sender or the message itself
_OPENING = r"(?:^|[.!?:\n])[\s*_#>-]*"
_SENDER = r"the\s+(?:original\s+)?(?:sender|author|writer|requester)"
_MESSAGE = r"(?:the|this)\s+(?:original\s+)?(?:message|e-?mail|post|note)"


# a rewrite's quality in an assistant's preamble (rewrite_preambles)
_QUALITY = (r"(?:(?:more|slightly|much|a bit|bit) )?(?:rewritten|revised|reworded|polished|condensed|concise|shorter|"
            r"clearer|simplified|simpler|refined|professional|friendlier|friendly|edited|improved|paraphrased|"
            r"cleaned[- ]up|streamlined|shortened|tightened|tighter|(?:more|less) (?:casual|formal)|positive)")

# why an assistant says it changed the text ("for clarity", "to make it more concise", "I made the text even
# simpler"): a person's "I've shortened the meeting so it's easier for everyone" says none of it
_PURPOSE = (r"\b(?:for (?:better )?(?:clarity|readability|flow|conciseness|concision|consistency)|to improve "
            r"(?:clarity|readability|(?:the )?flow)|to make (?:it|the (?:message|text|e-?mail|purpose|tone|wording))|"
            r"(?:easier|clearer|simpler|quicker) to (?:read|understand|follow|scan)|(?:the )?original (?:message|text|"
            r"e-?mail)|(?:the|this) (?:text|message|wording|tone) (?:even |a bit |much )?(?:more|less|simpler|shorter|"
            r"clearer|easier|friendlier))")

TABLE = LanguageTable(
    code="en",
    name="English",
    reading_wpm=238,
    months=(("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
            ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
            ("december", "dec")),
    month_names_are_words=True,
    weekdays=(("monday", "mon"), ("tuesday", "tue"), ("wednesday", "wed"), ("thursday", "thu"), ("friday", "fri"),
              ("saturday",), ("sunday",)),
    relative_dates=r"(?:next|this|coming)\s+(?:{days}|week)|tomorrow",
    relative_words=("next", "this", "coming"),
    deadline_cues=r"by|before|until|no later than|deadline|due",
    date_articles=("the",),
    date_prepositions=("on", "from", "after", "starting", "effective", "as of"),
    range_words=("to", "through", "until", "till", "and"),
    list_words=("and",),
    percent_words=r"per\s?cent",
    units=(r"people|persons?|users?|units?|licen[cs]es?|seats?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|"
           r"servers?|trips?|engineers?|employees?|customers?|warehouses?|tickets?"),
    owner_cues=r"owner|owned by|point of contact|contact|approval from|approvals? (?:go|goes) to",
    owner_copulas=r"is|will be",
    owner_articles=("the",),
    owner_roles=r"owner|point of contact|in charge",
    owner_will=r"(?:will|is going to|to)\s+(?:own|lead|handle|drive|take)",
    not_names=("the", "this", "our", "please", "hi", "hello", "thanks", "key", "next", "fyi", "update", "quick",
               "summary", "heads", "important", "security", "decision", "question", "questions", "rumour", "rumours"),
    abbreviations=("FYI", "ASAP", "EOD", "EOW", "COB", "OK", "AM", "PM", "PS", "NB", "TL", "DR", "TLDR", "RE", "FW",
                   "FWD", "CC", "BCC", "TBD", "TBC", "FAQ", "AKA", "ETA", "OOO", "WFH", "BTW", "IMO", "IMHO", "LGTM",
                   "UTC", "GMT", "CET", "CEST", "PST", "PDT", "EST", "EDT", "CST", "CDT", "ET", "PT", "US", "IT", "HR",
                   "AI", "II", "III", "IV", "NO", "ID", "PDF", "URL", "CEO", "CFO", "CTO", "COO", "VP", "Q&A", "R&D",
                   "P&L", "KPI", "OKR", "SLA", "ROI", "EOY", "QBR", "PR", "QA", "UX", "UI", "API"),
    status_words={
        "removed": r"removed|remove|dropped|drop|cut from|taken out",
        "cancelled": r"cancel+ed|cancel+ing|cancel|called off",
        "postponed": r"postponed|postpone|delayed|rescheduled|moved to|pushed (?:back|to)",
        "stopped": r"stop(?:ped)?|halt(?:ed)?|frozen|freeze|suspended",
        "deprecated": r"deprecated|discontinued|retired|sunset",
        "lose": r"lose|loses|lost|revoked|blocked",
        "approved": r"approved|confirmed",
    },
    status_negations=("not", "no", "never", "isn't", "aren't", "won't", "wasn't", "don't", "doesn't", "didn't",
                      "no longer"),
    negation_suffixes=("n't",),
    negation_after=(),
    negations=("not", "no", "never", "none", "without", "nor"),
    negation_cues=("not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot", "cancel",
                   "cancelled", "canceled", "remove", "removed", "postponed", "delayed", "declined", "rejected",
                   "denied", "unable", "fail", "failed", "lack", "lacks"),
    softeners=(r"scope (?:has been |was |is )?(?:refined|adjusted|updated|revised|clarified)|refined|re-?scoped|"
               r"under (?:review|discussion|consideration|evaluation)|being (?:reviewed|reconsidered|re-?evaluated|"
               r"discussed)|re-?evaluat(?:ed|ing)|reconsider(?:ed|ing)?|de-?prioriti[sz]ed|on hold|paused|adjusted|"
               r"revisited|evolving|in (?:flux|progress)|to be (?:confirmed|decided|discussed)|tbd|tbc"),
    antonyms=ANTONYMS,
    number_words=("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                  "twelve"),
    stop_words=STOP_WORDS,
    alignment_stop_words=tuple("the a an and or of to in on for with by at is are be was were this that it as from our "
                               "we you".split()),
    consistency_stop_words=tuple("""the a an and or of to in on for with by at is are be was were been being this that
these those it its as from our we you they he she his her their them i me my your us will would can could should may
might has have had do does did not no so if then than but also about into over after before up out all any some such
very just more most there here what which who whom whose when where why how one two""".split()),
    function_words=("this", "that", "with", "from", "have", "were", "what", "when", "your", "them", "then", "there",
                    "their", "they", "will", "would", "could", "about", "into", "just", "like", "more", "only", "some",
                    "than", "very", "also", "been", "being"),
    first_person=("i", "me", "my", "mine", "i'm", "i've", "i'll", "i'd"),
    second_person=("you", "your", "yours", "you're", "you'll"),
    ask_cues=(r"please|pls|can you|could you|would you|can someone|could someone|need you to|make sure|"
              r"don't forget|remember to|must|have to|action required"),
    generic_asks=r"any (?:questions?|concerns?|thoughts)|reach out|hesitate|my door|keep (?:up|the)|continue to|keep going",
    decision_cues=r"decided|decision\s*:|agreed|we(?:'ve| have) chosen|signed off",
    clitics=r"'(?:s|ve|ll|re|d|m)$",
    generic_words=GENERIC_WORDS,
    relay_cues=(r"summary|summari[sz](?:e|ed|ing)|recap|tl;?dr|fyi|heads[- ]up|key takeaways?|passing (?:this|it) on|"
                r"forward(?:ed|ing)|fwd?(?=:)|reposting|cross-?posting|sharing (?:this|from)|shared (?:in|by|from)|"
                r"as (?:announced|shared|mentioned) (?:in|by)|'s (?:e-?mail|message|post|note|announcement)"),
    # a preamble ends in a colon, and names a rewrite of a message, not a new version of a document ("Here is the
    # revised version of the budget", "The auth module was rewritten in Rust" say nothing of the kind)
    # up to three qualities, joined by commas or "and" ("a clearer, more professional version:", "a shorter and
    # more casual version:"). Not "complete", "fuller" or "expanded" (a person's "Here's a more complete version:
    # <link>" is a new version of their own work), nor "the revised text:", a person's redline of a clause
    rewrite_preambles=(rf"here(?:'s|’s| is) (?:a |an |the |your )?{_QUALITY}(?:(?:,| and|, and) {_QUALITY}){{0,2}} "
                       r"(?:version|draft|rewrite)(?: of (?:the|your|this|my) "
                       r"(?:original )?(?:message|e-?mail|text|post|note)(?: [^:.\n]{0,60})?| (?:with|for|that|in) "
                       r"[^:.\n]{0,60})?\s*:|(?:message|text|e-?mail|post|note) (?:has been|was) (?:rewritten|reworded)"),
    greetings=("hi", "hello", "hey", "good morning", "good afternoon", "good evening", "greetings"),
    group_addressees=("team", "teams", "all", "everyone", "everybody", "folks", "guys", "y'all", "y’all",
                      "colleagues", "people", "friends"),
    no_addressees=("there",),
    summary_openings=r"tl;?dr|summary|recap|key (?:points|takeaways?|facts)|the gist|gist|bottom line|in short",
    # a reply's first words (chain_rules.replies): a rewrite of a post opens with them only when the post does
    acknowledgements=("+1", "thanks", "thank you", "thx", "noted", "agreed", "agree", "sounds good", "works for me",
                      "got it", "will do", "count me in", "me too", "same here", "lgtm", "congrats",
                      "congratulations", "ok", "okay", "perfect"),
    thanks=("thanks", "thank you", "thx", "congrats", "congratulations"),
    answers=("yes", "yeah", "yep", "no", "nope"),
    # an AI summary of a message opens a sentence by telling what its sender or the message did ("The sender asked
    # whether there are plans to wrap GSL", "The email announces ..."). Only verbs of telling: "The author has a
    # point", "The poster session is on Tuesday", "The email says nothing about it" are no report (a helper's review)
    narrations=(rf"{_OPENING}(?:{_SENDER}\s+(?:asks|asked|is\s+asking|says|said|notes|noted|mentions|mentioned|"
                r"expresse[sd]|shares|shared|explains|explained|wants|wanted|would\s+like|suggests|suggested|describes|"
                r"described|highlights|highlighted|reports|reported|announces|announced|informs|informed|confirms|"
                r"confirmed|requests|requested|is\s+requesting|recommends|recommended|thanks|thanked|invites|invited|"
                r"is\s+excited|is\s+looking\s+forward|apologi[sz]e[sd]|emphasi[sz]e[sd]|provides|outlines|proposes|"
                r"proposed|reminds|reminded|inquires|inquired|enquires|enquired|wonders|wondered|points\s+out|"
                rf"pointed\s+out)|{_MESSAGE}\s+(?:asks|asked|is\s+asking|announces|announced|highlights|highlighted|"
                r"informs|informed|requests|requested|invites|invited|explains|explained|describes|described|outlines|"
                r"emphasi[sz]es|reminds|is\s+announcing|is\s+informing|is\s+requesting))\b"),
    # ... and a report of a question: its source asks, and it is no answer ("The sender asked whether ...")
    reported_questions=(rf"{_OPENING}(?:{_SENDER}|{_MESSAGE})\s+(?:asks|asked|is\s+asking|was\s+asking|"
                        r"wants\s+to\s+know|wanted\s+to\s+know|inquires|inquired|enquires|enquired|wonders|"
                        r"wondered)\s+(?:whether|if|about|what|when|where|why|how|who|which|for)\b"),
    # an AI assistant's opening line (assistant_frame.assistant_answer: a line of its own ending in a colon) that
    # names what it gives ("Sure! Here's a shorter version:", "Here are the key points:", "Here's a summary of the
    # message:"); not "Here are the notes from today's meeting:" nor what a person passes on ("Here's an update on
    # the Station 4 outage:", "Here is the email from Legal:", "Here's my summary of the call with Cytec:"). The
    # blanks after "Sure" are one optional run: nested blanks backtracked on a line of spaces
    answer_openers=(rf"(?:(?:{'|'.join(_ASSENTS)})(?:\s*[!,.—–-])?\s*)?"
                    r"here(?:'s|’s| is| are| it is)\b(?=[^\n:]{0,150}?\b(?:version|rewrite|rewritten|revised|"
                    r"revision|summary|summari[sz]ed|recap|paraphrase|paraphrased|draft|key points|main points|"
                    r"key facts|takeaways|bullets|bullet points|action items|next steps|tl;?dr|gist|breakdown|"
                    r"overview|explanation|shorter|simpler|clearer|polished|friendlier|formal|casual|concise|"
                    r"condensed|plain english|(?:my|your) own words|(?:slack )?post|write-?up|update|follow-?up|"
                    r"message|e-?mail|what you need to know|it is)\b(?!\s+(?:of|on|from|about)\s+(?!(?:the|this|your|"
                    r"my|that) (?:original )?(?:message|e-?mail|text|post|note|key points|main points|conversation|"
                    r"thread|story|discussion|article)\b)))"),
    # an opening line in the first person is a person's ("Here's my summary:"); an assent opens an assistant's
    # answer to a request ("Sure! Here's the gist: ...", assistant_frame.opening_colon)
    own_words=("my", "our"),
    assents=_ASSENTS,
    # an AI assistant's notes after its answer, at the start of a line, naming its editing: what it changed ("I
    # made the following changes:", "**Changes made:**" ending its line, "I've added a subject line to make the
    # purpose of the email clear", "(Note: I have rephrased the original message ...)"), what its version does
    # ("This format presents ...") or an offer to change the text again ("Let me know if you'd like me to make it
    # even simpler!"). Not a person's "Note: I have added the Q3 actuals", "Changes made: deadline moved to March
    # 10", "I've made the changes you asked for", "This version is ready for signature", "Would you like me to
    # add Sara to the call?", "I hope this meets with your approval" (tests/analysis/test_text.py)
    assistant_notes=(
        r"I(?:'ve|’ve| have)? made (?:the following|these|some|a few|several|minor) (?:\w+ )?(?:changes|edits|"
        r"adjustments|modifications|improvements|tweaks)|(?:(?:key |main )?(?:changes|edits|modifications|"
        r"improvements|adjustments) (?:I )?made|what I changed|summary of (?:the )?changes)\s*:[ \t*_]*(?=\r?\n|$)|"
        r"here(?:'s|’s| is| are) (?:what I (?:changed|did|adjusted|revised)|the changes I made|a summary of the "
        r"changes)|I(?:'ve|’ve| have)? (?:also )?(?:added|removed|replaced|changed|rephrased|reworded|simplified|"
        r"condensed|shortened|reorganized|reorganised|restructured|split|broken|turned|cut|trimmed|tried|aimed|"
        r"focused|maintained|preserved|streamlined|converted|made|rewritten|rewrote|summarized|summarised|"
        rf"paraphrased|highlighted|omitted)\b[^\n]{{0,200}}?{_PURPOSE}|\(?note\s*:\s*(?:I(?:'ve|’ve| have)? (?:rephrased|"
        r"reworded|rewritten|rewrote|removed|kept|simplified|condensed|shortened|changed|added|made|tried|omitted|"
        rf"left out|summari[sz]ed|paraphrased|focused|assumed)\b[^\n]{{0,120}}?(?:{_PURPOSE}|\b(?:the (?:original )?"
        r"(?:message|text|e-?mail|wording|tone|phrasing|version)|key (?:details|points))\b)|this (?:version|rewrite|summary|paraphrase)|the (?:original|"
        r"above|revised|rewritten) (?:message|text|e-?mail|version))|I hope (?:this|these|that) (?:version|rewrite|"
        r"revision|paraphrase|captures|changes)|I hope (?:this|that) helps[!.]?[ \t]*(?:$|\n|let me know)|this "
        r"(?:revised |rewritten |new |simplified |shorter )?(?:version|rewrite|revision|format|paraphrase) (?:keeps|"
        r"presents|maintains|conveys|captures|retains|preserves|condenses|simplifies|avoids|is (?:more|less|shorter|"
        r"clearer|simpler|easier|concise|friendlier|clear|professional)|uses (?:simple|plain|everyday|clearer|shorter|"
        r"simpler)|provides a (?:clear|quick|concise|brief))\b|(?:let me know if you(?:'d|’d| would)? (?:like|want|need)|"
        r"would you like) (?:me to (?:make|adjust|change|tweak|revise|rewrite|rephrase|reword|shorten|expand|add|"
        r"tailor|simplify|format|edit|condense|polish|draft|pull together|turn)\b[^\n?!]{0,60}?(?:\b(?:it|this|that|"
        r"the (?:message|text|e-?mail|tone|wording|summary|version)|any (?:changes|edits)|tone|details?|dates?|"
        r"owners?|context|deadline)\b|\b(?:more|less|even|further|shorter|longer|simpler)\b)|any (?:further |other |"
        r"more )?(?:changes|edits|adjustments)|(?:it|this) (?:to be |to sound )?(?:more|even|shorter|longer|less))"),
    nudge=NUDGE,
    kind_names={k: k for k in ("deadline", "date", "owner", "status", "money", "percentage", "number", "name", "time",
                               "action")},
    status_names={k: k for k in ("removed", "cancelled", "postponed", "stopped", "deprecated", "lose", "approved")},
    quotes=("“", "”"),
    colon=": ",
    list_separator="; ",
    decimal_mark=".",
)
